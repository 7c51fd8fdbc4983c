import asyncio
import gc

from bot.history.quiet import Slices, collector_paused


def test_collector_paused_stops_full_passes_and_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    with collector_paused():
        paused = gc.get_threshold()
        assert paused[:2] == before[:2]  # the young generations are still collected
        assert paused[2] > 1_000_000  # no full pass
        with collector_paused():  # a second import at the same time
            assert gc.get_threshold() == paused
        assert gc.get_threshold() == paused  # the first one still runs
    assert gc.get_threshold() == before


def test_collector_paused_restores_after_an_error() -> None:
    before = gc.get_threshold()
    try:
        with collector_paused():
            raise ValueError("the file was bad")
    except ValueError:
        pass
    assert gc.get_threshold() == before


def test_slices_yield_once_the_budget_of_work_is_spent() -> None:
    now = [0.0]
    slices = Slices(budget=0.004, clock=lambda: now[0], rest=0)

    async def run() -> list[int]:
        seen = []
        for step in (0.001, 0.001, 0.001, 0.002, 0.001, 0.0035, 0.001):
            now[0] += step
            await slices.tick()
            seen.append(slices.yields)
        return seen

    assert asyncio.run(run()) == [0, 0, 0, 1, 1, 2, 2]

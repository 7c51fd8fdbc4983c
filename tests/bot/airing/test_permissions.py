"""bot.airing.permissions: which of the permissions an announcement needs the bot lacks, by name."""

from __future__ import annotations

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.airing.permissions import POSTING, THREADS, missing_permissions, missing_text

ALL_NEEDED = POSTING + THREADS


def perms(*names: str) -> discord.Permissions:
    return discord.Permissions(**{name: True for name in names})


def test_everything_present_means_nothing_missing():
    full = perms(*(attr for attr, _ in ALL_NEEDED))
    assert missing_permissions(full, threads=True) == ()
    assert missing_permissions(full, threads=False) == ()


def test_nothing_present_names_each_permission_in_order():
    none = discord.Permissions.none()
    assert missing_permissions(none, threads=False) == ("View Channel", "Send Messages", "Embed Links")
    assert missing_permissions(none, threads=True) == (
        "View Channel",
        "Send Messages",
        "Embed Links",
        "Create Public Threads",
        "Send Messages in Threads",
    )


def test_thread_permissions_count_only_when_threads_are_on():
    posting_only = perms("view_channel", "send_messages", "embed_links")
    assert missing_permissions(posting_only, threads=False) == ()
    assert missing_permissions(posting_only, threads=True) == (
        "Create Public Threads",
        "Send Messages in Threads",
    )
    with_create = perms("view_channel", "send_messages", "embed_links", "create_public_threads")
    assert missing_permissions(with_create, threads=True) == ("Send Messages in Threads",)


def test_administrator_bypasses_everything():
    assert missing_permissions(perms("administrator"), threads=True) == ()


@given(st.sets(st.sampled_from([attr for attr, _ in ALL_NEEDED])), st.booleans())
def test_missing_is_exactly_the_needed_ones_not_granted(granted, threads):
    needed = POSTING + (THREADS if threads else ())
    expected = tuple(name for attr, name in needed if attr not in granted)
    assert missing_permissions(perms(*granted), threads=threads) == expected


@pytest.mark.parametrize(
    ("names", "text"),
    [
        ((), ""),
        (("View Channel",), "View Channel"),
        (("View Channel", "Embed Links"), "View Channel and Embed Links"),
        (("A", "B", "C"), "A, B and C"),
    ],
)
def test_missing_text(names, text):
    assert missing_text(names) == text

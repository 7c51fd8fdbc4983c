-- 0009: /top's country and year filters (bot/store/top.py) read the dramas of a country, a year, or both,
-- from these indexes instead of scanning every drama.
CREATE INDEX dramas_country_year ON dramas(country, year);
CREATE INDEX dramas_year ON dramas(year);

"""Dates as pages and feeds write them, parsed to UTC: shared by fetch (feeds, sitemaps) and clean."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from dateutil import parser as dateparser
from dateutil import tz


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


# time-zone abbreviations pages print beside dates (dateutil knows only UTC/GMT and the local zone)
TZ_NAMES = {name: hours * 3600 for name, hours in {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9,
    "AKDT": -8, "HST": -10,
    "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "JST": 9, "KST": 9,
    "AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8, "NZST": 12, "NZDT": 13, "SGT": 8, "HKT": 8, "WIB": 7,
}.items()}
TZ_NAMES = {k: int(v) for k, v in TZ_NAMES.items()}
# the zones US pages name without saying standard or summer time ("10:30 a.m. ET"): the date decides the offset
GENERIC_ZONES = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver",
                 "PT": "America/Los_Angeles"}


@lru_cache(maxsize=1)
def zone_names() -> dict:
    """Every abbreviation dateutil is told of: the fixed offsets, and the generic US zones from the system's
    zone data or, where it has none, dateutil's own copy.  Built on first use."""
    return {**TZ_NAMES, **{name: tz.gettz(zone) for name, zone in GENERIC_ZONES.items()}}


def parse_any(value: str | None) -> datetime | None:
    """A metadata date string (ISO or free form) as a UTC datetime."""
    dt = parse_local(value)
    return utc(dt) if dt is not None else None


# two days that share no year, month or day: dateutil fills what a string lacks from its default, so a
# field that differs between the two readings was not written.  Never today's date, which would make a
# string's date depend on the day it was read ("2025" read on December 7 was 2025-12-07)
FILL_A, FILL_B = datetime(2000, 1, 1), datetime(2001, 2, 2)


def parse_local(value: str | None) -> datetime | None:
    """A metadata date string with the time zone it was written in ("2020-04-12T20:00:00-07:00" stays on
    the 12th, the day the outlet printed); a date without a zone is taken as UTC.  A string without a
    year or a month ("10:30", "Monday", "2025") is no date; one without a day ("March 2026") is the 1st."""
    return _parsed_local(str(value)) if value else None


# a page gives one date in several places (JSON-LD, meta tags, <time>), and the string is parsed twice each time
PARSED_DATES_KEPT = 4096


@lru_cache(maxsize=PARSED_DATES_KEPT)
def _parsed_local(value: str) -> datetime | None:
    try:
        dt, other = (dateparser.parse(value, default=fill, tzinfos=zone_names()) for fill in (FILL_A, FILL_B))
    except (ValueError, OverflowError):
        return None
    if (dt.year, dt.month) != (other.year, other.month) or not (1900 <= dt.year <= 2100):
        return None
    return dt if dt.tzinfo is not None else utc(dt)

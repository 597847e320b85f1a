"""Dates as pages and feeds write them, parsed to UTC: shared by fetch (feeds, sitemaps) and clean."""
from __future__ import annotations

from datetime import datetime, timezone

from dateutil import parser as dateparser


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


# time-zone abbreviations pages print beside dates (dateutil knows only UTC/GMT and the local zone)
TZ_NAMES = {name: hours * 3600 for name, hours in {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9,
    "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "JST": 9, "KST": 9,
    "AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8, "NZST": 12, "NZDT": 13, "SGT": 8, "HKT": 8, "WIB": 7,
}.items()}
TZ_NAMES = {k: int(v) for k, v in TZ_NAMES.items()}


def parse_any(value: str | None) -> datetime | None:
    """A metadata date string (ISO or free form) as a UTC datetime."""
    dt = parse_local(value)
    return utc(dt) if dt is not None else None


def parse_local(value: str | None) -> datetime | None:
    """A metadata date string with the time zone it was written in ("2020-04-12T20:00:00-07:00" stays on
    the 12th, the day the outlet printed); a date without a zone is taken as UTC."""
    if not value:
        return None
    try:
        dt = dateparser.parse(str(value), tzinfos=TZ_NAMES)
    except (ValueError, OverflowError):
        return None
    if not (1900 <= dt.year <= 2100):
        return None
    return dt if dt.tzinfo is not None else utc(dt)

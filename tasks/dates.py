"""Publication dates from datelines in text and from URLs."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from dateutil import parser as dateparser

MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?"

# a dateline at the start of a line: "February 13, 2017, 2:43 pm", "Saturday, 21. April 2018",
# "June 4, 2016 (EIRNS)—", "2017-04-12", "12 April 2017 |"
DATELINE = re.compile(
    rf"""^\s*(?:Published:?\s+|Posted:?\s+|Updated:?\s+)?{WEEKDAY}
    (?P<date>
        {MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}
      | \d{{1,2}}(?:st|nd|rd|th)?\.?\s+{MONTHS},?\s+\d{{4}}
      | \d{{4}}-\d{{2}}-\d{{2}}
    ){TIME}
    (?P<tail>\s*(?:\([A-Z][A-Za-z. ]{{1,20}}\))?\s*(?:[—–-]+|\||:)?\s*)""",
    re.VERBOSE,
)

URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>0?[1-9]|1[0-2])[/-](?P<d>0?[1-9]|[12]\d|3[01])(?:/|-|$)")


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def parse_dateline(line: str) -> tuple[datetime, int] | None:
    """(date, length of the dateline prefix) when ``line`` starts with a dateline, else None."""
    m = DATELINE.match(line)
    if not m:
        return None
    full = m.group(0)
    try:
        dt = dateparser.parse(full.strip(" |:—–-").replace("(", " ").split("(")[0], fuzzy=True, dayfirst=False)
    except (ValueError, OverflowError):
        try:
            dt = dateparser.parse(m.group("date"), fuzzy=True)
        except (ValueError, OverflowError):
            return None
    if not (1990 <= dt.year <= 2100):
        return None
    return _utc(dt), m.end()


def date_from_url(url: str | None) -> datetime | None:
    if not url:
        return None
    m = URL_DATE.search(url)
    if not m:
        return None
    try:
        return datetime(int(m["y"]), int(m["m"]), int(m["d"]), tzinfo=timezone.utc)
    except ValueError:
        return None


def parse_any(value: str | None) -> datetime | None:
    """A metadata date string (ISO or free form) as a UTC datetime."""
    if not value:
        return None
    try:
        dt = dateparser.parse(str(value))
    except (ValueError, OverflowError):
        return None
    if not (1900 <= dt.year <= 2100):
        return None
    return _utc(dt)


_META_KEYS = r"(?:article:published_time|og:published_time|datePublished|date_published|pubdate|publishdate|publish-date|" \
             r"dc\.date\.issued|dc\.date|dcterms\.created|sailthru\.date|parsely-pub-date|date)"
META_DATE = re.compile(
    rf"""<meta\s[^>]*?(?:property|name|itemprop)\s*=\s*["']{_META_KEYS}["'][^>]*?content\s*=\s*["']([^"']+)["']"""
    rf"""|<meta\s[^>]*?content\s*=\s*["']([^"']+)["'][^>]*?(?:property|name|itemprop)\s*=\s*["']{_META_KEYS}["']"""
    r'|"datePublished"\s*:\s*"([^"]+)"',
    re.IGNORECASE,
)


def date_from_meta(html: str) -> datetime | None:
    """The publication time a page declares in its meta tags or JSON-LD, with its time of day."""
    m = META_DATE.search(html[:200_000])
    if not m:
        return None
    return parse_any(next(g for g in m.groups() if g))

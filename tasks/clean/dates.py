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


# time-zone abbreviations pages print beside dates (dateutil knows only UTC/GMT and the local zone)
TZ_NAMES = {name: hours * 3600 for name, hours in {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9,
    "BST": 1, "IST": 5.5, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "JST": 9, "KST": 9,
    "AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8, "NZST": 12, "NZDT": 13, "SGT": 8, "HKT": 8, "WIB": 7,
}.items()}
TZ_NAMES = {k: int(v) for k, v in TZ_NAMES.items()}


def parse_any(value: str | None) -> datetime | None:
    """A metadata date string (ISO or free form) as a UTC datetime."""
    if not value:
        return None
    try:
        dt = dateparser.parse(str(value), tzinfos=TZ_NAMES)
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
    r'|"datePublished"\s*:\s*"([^"]+)"'
    r"""|<time\s[^>]*?itemprop\s*=\s*["']datePublished["'][^>]*?datetime\s*=\s*["']([^"']+)["']"""
    r"""|<time\s[^>]*?datetime\s*=\s*["']([^"']+)["'][^>]*?itemprop\s*=\s*["']datePublished["']""",
    re.IGNORECASE,
)


SCHEMA_DATE = re.compile(
    r'"datePublished"\s*:\s*"([^"]+)"'
    r"""|<(?:time|meta)\s[^>]*?itemprop\s*=\s*["']datePublished["'][^>]*?(?:datetime|content)\s*=\s*["']([^"']+)["']"""
    r"""|<(?:time|meta)\s[^>]*?(?:datetime|content)\s*=\s*["']([^"']+)["'][^>]*?itemprop\s*=\s*["']datePublished["']""",
    re.IGNORECASE,
)


def date_from_meta(html: str) -> datetime | None:
    """The publication time a page declares, with its time of day: schema.org datePublished (JSON-LD or
    microdata) first, the page's own statement of its publication; else the meta tags."""
    head = html[:400_000]
    for pattern in (SCHEMA_DATE, META_DATE):
        m = pattern.search(head)
        if m and (dt := parse_any(next(g for g in m.groups() if g))):
            return dt
    return None

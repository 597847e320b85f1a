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



def _day_first_datelines() -> tuple[re.Pattern, dict[str, int]]:
    """A dateline in a language that writes the day before the month, from every lexicon's months,
    weekdays and prefixes (newsloom/lang/*.json): "Lundi 2 mars 2026", "le 3 mars 2026", "Publié le 9 mars
    2026 à 14h05", "lundi 2 mars".  English keeps DATELINE above (its month-first forms and abbreviations)."""
    from newsloom.lang.lexicon import all_lexicons

    months: dict[str, int] = {}
    weekdays, prefixes = set(), set()
    for lex in all_lexicons():
        if lex.language == "en":
            continue
        for i, names in enumerate(lex.months, start=1):
            months.update({n.lower(): i for n in names})
        weekdays.update(lex.weekdays)
        prefixes.update(lex.dateline_prefixes)
    alt = lambda words: "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))  # noqa: E731
    pattern = re.compile(
        rf"""^\s*(?:(?:{alt(prefixes)})\s+)?(?:(?:{alt(weekdays)}),?\s+)?
        (?P<day>\d{{1,2}})(?:er)?\.?\s+(?P<month>{alt(months)})\.?(?:\s+(?P<year>\d{{4}}))?
        (?:,?\s+(?:à\s+)?\d{{1,2}}\s*[h:]\s*\d{{2}})?
        (?P<tail>\s*(?:\([^)]{{1,30}}\))?\s*(?:[—–-]+|\||:)?\s*)""",
        re.VERBOSE | re.IGNORECASE,
    )
    return pattern, months


DAY_FIRST, MONTH_NUMBERS = _day_first_datelines()


def parse_day_first(line: str, reference: datetime | None = None) -> tuple[datetime, int] | None:
    """(date, length of the dateline prefix) for a day-first dateline in any lexicon's language.  A date
    without its year takes the year of ``reference`` (when the page was fetched), or the year before when
    that would put it more than two days after the reference; without a reference it is not read."""
    m = DAY_FIRST.match(line)
    if not m or not (m["tail"].strip() or m.end() >= len(line.rstrip())):
        return None  # "le 12 mai dernier, ..." opens a sentence; a dateline stands alone or ends in a dash
    month, day = MONTH_NUMBERS[m["month"].lower()], int(m["day"])
    try:
        if m["year"]:
            dt = datetime(int(m["year"]), month, day, tzinfo=timezone.utc)
        elif reference is not None:
            dt = datetime(reference.year, month, day, tzinfo=timezone.utc)
            if (dt - reference).days > 2:
                dt = dt.replace(year=reference.year - 1)
        else:
            return None
    except ValueError:
        return None
    if not (1990 <= dt.year <= 2100):
        return None
    return dt, m.end()


URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>0?[1-9]|1[0-2])[/-](?P<d>0?[1-9]|[12]\d|3[01])(?:/|-|$)")


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def parse_dateline(line: str, reference: datetime | None = None) -> tuple[datetime, int] | None:
    """(date, length of the dateline prefix) when ``line`` starts with a dateline, else None.  English
    forms first, then the day-first forms of the other lexicons (``parse_day_first``)."""
    m = DATELINE.match(line)
    if not m:
        return parse_day_first(line, reference)
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

"""Publication dates from datelines in text and from URLs."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache

from dateutil import parser as dateparser

from newsloom.lang import all_packs, alternatives
from tasks.common.dates import parse_local, utc


@lru_cache(maxsize=1)
def month_first_datelines() -> tuple[re.Pattern, ...]:
    """The datelines of every pack that writes the month first or has forms of its own ("February 13,
    2017, 2:43 pm", "2017-04-12"): its ``dateline`` pattern (newsloom/lang/<code>.py)."""
    return tuple(p for pack in all_packs() if (p := pack.pattern("dateline")) is not None)


@lru_cache(maxsize=1)
def day_first_datelines() -> tuple[re.Pattern, dict[str, int]]:
    """A dateline in a language that writes the day before the month, from the months, weekdays, prefixes
    and day ordinals of every pack that does (newsloom/lang/*.json): "Lundi 2 mars 2026", "le 3 mars
    2026", "Publié le 9 mars 2026 à 14h05", "lundi 2 mars".  Built on first use."""
    months: dict[str, int] = {}
    weekdays, prefixes, ordinals, time_words = set(), set(), set(), set()
    for pack in all_packs():
        lex = pack.lexicon
        if lex.month_first_datelines:
            continue
        for i, names in enumerate(lex.months, start=1):
            months.update({n.lower(): i for n in names})
        weekdays.update(lex.weekdays)
        prefixes.update(lex.dateline_prefixes)
        ordinals.update(lex.day_ordinals)
        time_words.update(lex.dateline_time_words)
    if not months:
        return re.compile(r"(?!)"), {}
    ordinal = rf"(?:{alternatives(ordinals)})?" if ordinals else ""
    at = rf"(?:(?:{alternatives(time_words)})\s+)?" if time_words else ""
    pattern = re.compile(
        rf"""^\s*(?:(?:{alternatives(prefixes)})\s+)?(?:(?:{alternatives(weekdays)}),?\s+)?
        (?P<day>\d{{1,2}}){ordinal}\.?\s+(?P<month>{alternatives(months)})\.?(?:\s+(?P<year>\d{{4}}))?
        (?:,?\s+{at}\d{{1,2}}\s*[h:]\s*\d{{2}})?
        (?P<tail>\s*(?:\([^)]{{1,30}}\))?\s*(?:[—–-]+|\||:)?\s*)""",
        re.VERBOSE | re.IGNORECASE,
    )
    return pattern, months


def parse_day_first(line: str, reference: datetime | None = None) -> tuple[datetime, int] | None:
    """(date, length of the dateline prefix) for a day-first dateline in any lexicon's language.  A date
    without its year takes the year of ``reference`` (when the page was fetched), or the year before when
    that would put it more than two days after the reference; without a reference it is not read."""
    day_first, month_numbers = day_first_datelines()
    m = day_first.match(line)
    if not m or not (m["tail"].strip() or m.end() >= len(line.rstrip())):
        return None  # "le 12 mai dernier, ..." opens a sentence; a dateline stands alone or ends in a dash
    month, day = month_numbers[m["month"].lower()], int(m["day"])
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


def parse_dateline(line: str, reference: datetime | None = None) -> tuple[datetime, int] | None:
    """(date, length of the dateline prefix) when ``line`` starts with a dateline, else None.  English
    forms first, then the day-first forms of the other lexicons (``parse_day_first``)."""
    m = next((m for p in month_first_datelines() if (m := p.match(line))), None)
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
    return utc(dt), m.end()


def is_whole_dateline(line: str, reference: datetime | None = None) -> datetime | None:
    """The date of a line that is only a dateline ("March 2, 2026", "Publié le 9 mars 2026 à 14h05"),
    else None: a dateline that opens a paragraph of story is not one."""
    parsed = parse_dateline(line, reference)
    return parsed[0] if parsed is not None and parsed[1] >= len(line.rstrip()) - 1 else None


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
        if m and (dt := parse_local(next(g for g in m.groups() if g))):
            return dt
    return None

"""Publication dates from datelines in text and from URLs."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import lru_cache

from dateutil import parser as dateparser

from newsloom.domains import country_domain
from newsloom.lang import all_packs, alternatives, pack_for
from tasks.common.dates import parse_local, utc, zone_names


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
        dt = dateparser.parse(full.strip(" |:—–-").replace("(", " ").split("(")[0], fuzzy=True, dayfirst=False,
                              tzinfos=zone_names())
    except (ValueError, OverflowError):
        try:
            dt = dateparser.parse(m.group("date"), fuzzy=True, tzinfos=zone_names())
        except (ValueError, OverflowError):
            return None
    if not (1990 <= dt.year <= 2100):
        return None
    return (dt if dt.tzinfo is not None else utc(dt)), m.end()  # a named zone keeps the day the page printed


def is_whole_dateline(line: str, reference: datetime | None = None) -> datetime | None:
    """The date of a line that is only a dateline ("March 2, 2026", "Publié le 9 mars 2026 à 14h05"),
    else None: a dateline that opens a paragraph of story is not one."""
    parsed = parse_dateline(line, reference)
    return parsed[0] if parsed is not None and parsed[1] >= len(line.rstrip()) - 1 else None


# not language: a date in numbers, day and month in either order ("03/04/2026", "23.07.2025", "4-3-2026")
NUMERIC_DATE = re.compile(r"(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>(?:19|20)\d{2})")
LAST_MONTH = 12
# not language: the separators of a language tag's parts ("fr-CA", "en_US")
LANGUAGE_TAG_PARTS = re.compile(r"[-_]")
# of the country domains, the United States' and the Philippines' write the month first in numbers; every
# other country's site writes the day first (Canada writes both: its pages are read by their language)
MONTH_FIRST_DOMAINS = frozenset({"us", "ph"})
BOTH_ORDERS_DOMAINS = frozenset({"ca"})


@dataclass(frozen=True)
class NumericDate:
    """A date written in numbers, read once the page's order of day and month is known (``day_first_page``)."""
    first: int
    second: int
    year: int

    def order(self) -> bool | None:
        """True when only day-first reads it (23.07.2025), False when only month-first does, else None."""
        if self.first > LAST_MONTH >= self.second:
            return True
        if self.second > LAST_MONTH >= self.first:
            return False
        return None

    def read(self, day_first: bool) -> datetime | None:
        day, month = (self.first, self.second) if day_first else (self.second, self.first)
        try:
            return datetime(self.year, month, day, tzinfo=timezone.utc)
        except ValueError:
            return None


def numeric_date(line: str) -> NumericDate | None:
    """The date of a line that is only a date in numbers, its order not yet decided."""
    m = NUMERIC_DATE.fullmatch(line.strip())
    return NumericDate(int(m["a"]), int(m["b"]), int(m["year"])) if m else None


def day_first_page(dates: list[NumericDate], url: str | None, language: str | None) -> bool:
    """How a page writes dates in numbers: as a date on it that reads one way only (the page's own
    evidence); else as its site's country domain; else as its language (``numeric_month_first`` of the
    pack of its ``<html lang>``; a page that names none is read month first, as the English pack does)."""
    orders = {d.order() for d in dates} - {None}
    if len(orders) == 1:
        return orders.pop()
    if (country := country_domain(url)) is not None and country not in BOTH_ORDERS_DOMAINS:
        return country not in MONTH_FIRST_DOMAINS
    if not language:
        return False
    pack = pack_for(LANGUAGE_TAG_PARTS.split(language.strip())[0].lower())  # "en-GB", "en_US": the language
    # a language without a pack is read day first, as most of the world writes dates in numbers
    return not pack.lexicon.numeric_month_first if pack.has_lexicon else True


def numeric_dates_read(candidates: list, url: str | None, language: str | None) -> list:
    """The candidates with their dates in numbers read in the page's order (``day_first_page``); a date that
    does not exist in that order ("31/02") is dropped."""
    numeric = [c.value for c in candidates if isinstance(c.value, NumericDate)]
    if not numeric:
        return candidates
    day_first = day_first_page(numeric, url, language)
    read = [replace(c, value=c.value.read(day_first)) if isinstance(c.value, NumericDate) else c for c in candidates]
    return [c for c in read if c.value is not None]


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

"""clean: documents into articles.

Reads ``documents``: doc_id, source, media_type, content, url, charset, listed_at.
Writes ``articles``: article_id, doc_id, url, source, site, title, author, published_at,
date_source, language, text, n_words, text_hash, run_id (dup_of and dup_similarity are
added by the deduplicate stage), and ``rejects`` rows (stage ``clean``).

- HTML goes through trafilatura (comments off, precision favoured, metadata kept, and ``fast``:
  its own extractor without the readability/jusText comparison, which on the benchmark's dev
  pages is both more precise, 0.980 vs 0.968, and 40% quicker); when that gives too little, a
  second pass that favours recall and falls back to readability-lxml and jusText; then our
  chrome filter.
- Plain text goes through the line classifier in ``tasks.boilerplate``; a title and a
  dateline date are taken from the text where it has them.
- A JSONL line is an already extracted article: its text is kept verbatim, so offsets refer
  to the given text.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
from prefect import task

from newsloom import schemas
from newsloom.config import Config
from newsloom.storage import Store
from newsloom.util import merge_part_results, progress, reasons, sha
from tasks import boilerplate
from tasks.dates import date_from_meta, date_from_url, parse_any, parse_dateline

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
WESTERN = {"cp1252", "latin_1", "iso8859_15", "utf_8"}
NORM_TEXT = re.compile(r"[\W_]+", re.UNICODE)


class Rejected(Exception):
    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(detail or reason)
        self.reason, self.detail = reason, detail


# ---- decoding ------------------------------------------------------------------------------------
def decode_content(data: bytes, media_type: str, charset: str | None = None) -> str:
    """Bytes to str: BOM, UTF-8, the HTTP header's charset, the page's declared charset, then
    detection.  Binary is rejected."""
    if not data.strip():
        raise Rejected("empty_text", "the input is empty or whitespace only")
    sample = data[:65536]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) * 0.02:
        raise Rejected("binary_content", "the input contains binary data, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    if media_type == "text/html":
        m = META_CHARSET.search(data[:4096])
        if m:
            try:
                return data.decode(m.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise Rejected("decode_error", "no text encoding fits the bytes")
    best = matches[0]
    # short Western text fits several code pages equally well; then take the Western one
    western = next((m for m in matches if m.encoding in WESTERN and m.chaos <= best.chaos
                    and m.coherence >= best.coherence - 0.01), None)
    return str(western or best)


# ---- shared helpers ---------------------------------------------------------------------------------
def normalise_paragraphs(paragraphs: list[str]) -> str:
    """Collapse whitespace inside paragraphs and join them with one blank line."""
    out = []
    for p in paragraphs:
        p = re.sub(r"[ \t\u00a0]+", " ", p).strip()
        if p:
            out.append(p)
    return "\n\n".join(out)


def text_hash(text: str) -> str:
    """Hash of the text lowercased, accents folded and punctuation and whitespace removed."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return sha(NORM_TEXT.sub(" ", folded).strip())


def detect_language(text: str) -> str | None:
    import py3langid

    sample = text[:5000]
    if boilerplate.n_words(sample) < 3:
        return None
    lang, _ = py3langid.classify(sample)
    return lang


def count_words(text: str) -> int:
    return boilerplate.n_words(text)


# ---- plain text -------------------------------------------------------------------------------------
TITLE_MAX_WORDS = 30


def clean_text_page(raw: str) -> dict:
    """A plain-text page dump into title, dateline date and story text."""
    raw = boilerplate.strip_residue(raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = raw.split("\n")
    title, published = None, None
    # the first non-chrome, non-date short line before the story is the title
    keep = set(boilerplate.story_lines(lines))
    first_story = min(keep) if keep else len(lines)
    for i, line in enumerate(lines[:first_story]):
        s = line.strip()
        if not s:
            continue
        d = parse_dateline(s)
        if d and d[1] >= len(s.rstrip()) - 1:
            published = published or d[0]
            continue
        if title is None and not boilerplate.is_chrome(s) and 2 <= boilerplate.n_words(s) <= TITLE_MAX_WORDS:
            title = s
    # a dateline may open the first story paragraph, or stand on its own line inside the story
    paragraphs = []
    for i in sorted(keep):
        s = lines[i].strip()
        d = parse_dateline(s)
        if d:
            published = published or d[0]
            s = s[d[1]:].strip()
            if not s:
                continue
        if title is not None and s == title and not paragraphs:
            continue
        paragraphs.append(s)
    return {"title": title, "published_at": published, "date_source": "text" if published else None,
            "text": normalise_paragraphs(paragraphs)}


# ---- HTML ----------------------------------------------------------------------------------------------
def _trafilatura(html: str, url: str | None, fast: bool = True, **options):
    import trafilatura

    return trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, fast=fast,
        date_extraction_params={"original_date": True, "extensive_search": True,
                                "outputformat": "%Y-%m-%dT%H:%M:%S%z"}, **options,
    )


# elements a reader never sees in the article: the hover card of a linked name (a photo, the name again and
# that person's latest headlines, shown on mouse-over), and the pop-up part of tooltips and popovers.  Only the
# card itself goes ("rollover-people-block", "tooltiptext"), never its wrapper, which holds the linked name.
_HIDDEN_CUE = re.compile(r"""class=["'][^"']*(?:rollover|tooltip|popover|hovercard)""", re.I)
_HIDDEN_CLASS = re.compile(r"(?:rollover|tooltip|popover|hovercard)[\w-]*?[-_]?(?:block|card|content|body|box|popup|text)$",
                           re.I)


def drop_hidden(html: str) -> str:
    """The page without its hover cards and tooltip pop-ups (their tail text stays); unchanged, and not
    parsed, when it has none."""
    if not _HIDDEN_CUE.search(html):
        return html
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return html
    found = [el for el in root.iter() if isinstance(el.tag, str)
             and any(_HIDDEN_CLASS.search(c) for c in (el.get("class") or "").split())]
    if not found:
        return html
    for el in found:
        if el.getparent() is not None and el.tag not in ("html", "body"):
            el.drop_tree()
    return lxml.html.tostring(root, encoding="unicode")


def clean_html_page(html: str, url: str | None = None, min_words: int = 20) -> dict:
    """An HTML page into text and metadata (trafilatura, a recall pass when it finds too little, our filter)."""
    try:
        shown = drop_hidden(html)
        doc = _trafilatura(shown, url, favor_precision=True)
        if doc is None or count_words(doc.text or "") < max(min_words, 50):
            # the fallback: recall favoured, and trafilatura compares its result with readability-lxml's and
            # jusText's and keeps the better one
            second = _trafilatura(shown, url, fast=False, favor_recall=True)
            if second is not None and count_words(second.text or "") > count_words((doc.text if doc else "") or ""):
                doc = second
    except (ValueError, RecursionError, MemoryError) as exc:
        raise Rejected("parse_error", f"{type(exc).__name__}: {exc}") from None
    if doc is None or not (doc.text or "").strip():
        raise Rejected("empty_text", "no article text found in the page")
    text = boilerplate.strip_residue(doc.text)
    paragraphs = [p for p in text.split("\n") if p.strip() and not boilerplate.is_chrome(p)]
    published = parse_any(doc.date)
    declared = date_from_meta(html)
    if declared is not None:
        # the publication time the page declares (schema.org datePublished first, else article:published_time
        # and the like) wins over htmldate's guess: it carries the time of day, and htmldate's "original date"
        # can be a hidden first-published stamp of an old article or an update time of a live page
        published = declared
    site = doc.sitename or doc.hostname or None
    h1 = first_h1(html)
    title = prefer_headline(strip_site_suffix(doc.title or None, site, doc.url or url), h1)
    return {
        "title": agreed_headline(html, h1, site, doc.url or url) or title,
        "author": normalise_author(doc.author or None) or ld_author(html),
        "site": site,
        "url": doc.url or url,
        "published_at": published,
        "date_source": "metadata" if published else None,
        "text": normalise_paragraphs(paragraphs),
    }


_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def first_h1(html: str) -> str | None:
    """The text of the page's first <h1>, if any (a cheap look, not a parse)."""
    m = _H1.search(html[:2_000_000])
    if not m:
        return None
    import html as htmllib

    text = " ".join(htmllib.unescape(_TAG.sub(" ", m.group(1))).split())
    return text or None


_TITLE_TAG = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
_LD_HEADLINE = re.compile(r'"headline"\s*:\s*"((?:[^"\\]|\\.){2,400})"')


def agreed_headline(html: str, h1: str | None, site: str | None, url: str | None) -> str | None:
    """The on-page headline when three sources agree on it: the <h1>, the JSON-LD ``headline`` and the
    <title> without its site suffix.  trafilatura prefers og:title, which many outlets write as a
    second, social-media headline ("Labor on track to hit 2030 climate change target" above the
    story "Climate change: Labor on track to hit 2030 target as Chris Bowen heralds ..."); when the
    page itself says the same thing three times, that is its headline."""
    if not h1:
        return None
    import html as htmllib

    head = html[:2_000_000]
    t, ld = _TITLE_TAG.search(head), _LD_HEADLINE.search(head)
    if not t or not ld:
        return None
    try:
        headline = htmllib.unescape(json.loads(f'"{ld.group(1)}"'))
    except json.JSONDecodeError:
        return None
    tag = strip_site_suffix(" ".join(htmllib.unescape(_TAG.sub(" ", t.group(1))).split()), site, url)
    key = _squash(h1)
    if key and _squash(headline) == key and _squash(tag or "") == key:
        return h1
    return None


def prefer_headline(title: str | None, h1: str | None) -> str | None:
    """The on-page headline when the metadata title is that headline wrapped in SEO extras: a section or
    site after it ("... schools - National", "... | Bhopal News") or a topic before it ("Infant
    Abandonment Cases In India: Newborns left ...")."""
    if not title or not h1 or len(h1.split()) < 4:
        return title
    t, h = _squash(title), _squash(h1)
    if h and h != t and h in t:
        return h1
    return title


TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|\*|::|·|»)\s+")


def _squash(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


def strip_site_suffix(title: str | None, site: str | None, url: str | None) -> str | None:
    """Drop trailing " | Site", " - Section | Site", " * by Author" parts that name the outlet, not the story."""
    if not title:
        return title
    names = {_squash(x) for x in (site or "", (urlsplit(url).hostname or "") if url else "") if x}
    names |= {n.removeprefix("www").rsplit("com", 1)[0] for n in names if n}
    names = {n for n in names if len(n) >= 3}
    parts = TITLE_SEPARATORS.split(title)
    while len(parts) > 1:
        last = _squash(parts[-1])
        if any(n in last or last in n for n in names if last) or re.match(r"^\s*by\s", parts[-1], re.I):
            parts.pop()
            continue
        break
    pos = 0
    for p in parts:  # cut the original title after the last part kept
        pos = title.index(p, pos) + len(p)
    return title[:pos].strip() or title


_LD_AUTHOR = re.compile(r'"author"\s*:\s*\[?\s*\{[^{}]*?"name"\s*:\s*"([^"]{2,200})"')


def ld_author(html: str) -> str | None:
    """The first author the page's JSON-LD names, a person or an organisation ("BBC News"): the byline
    of pages that have no personal one, which trafilatura leaves empty."""
    m = _LD_AUTHOR.search(html[:400_000])
    if not m:
        return None
    try:
        name = json.loads(f'"{m.group(1)}"')
    except json.JSONDecodeError:
        name = m.group(1)
    name = " ".join(name.split())
    return name if name and not name.startswith(("http://", "https://")) else None


def normalise_author(author: str | None) -> str | None:
    """'Brazil; Rachel' (family; given, as citation metadata gives it) -> 'Rachel Brazil'."""
    if not author:
        return author
    parts = [p.strip() for p in author.split(";")]
    if len(parts) >= 2 and len(parts) % 2 == 0 and all(p and " " not in p for p in parts):
        return "; ".join(f"{parts[i + 1]} {parts[i]}" for i in range(0, len(parts), 2))
    return author


# ---- JSONL --------------------------------------------------------------------------------------------
def clean_jsonl_record(line: bytes) -> dict:
    obj = json.loads(line)
    published = parse_any(obj.get("published_at"))
    url = obj.get("url") or None
    return {
        "title": obj.get("title") or None,
        "author": obj.get("author") or None,
        "site": obj.get("source") or obj.get("site") or (urlsplit(url).hostname if url else None),
        "url": url,
        "published_at": published,
        "date_source": "metadata" if published else None,
        "text": obj["text"],  # verbatim: offsets refer to the given text
    }


# ---- the stage -------------------------------------------------------------------------------------------
def clean_articles(documents: pa.Table, config: Config) -> tuple[pa.Table, pa.Table]:
    """documents -> (articles without dup columns, rejects)."""
    rows, rejects = [], []
    documents = schemas.conform(documents, schemas.DOCUMENTS)  # parts of earlier versions lack the web columns
    cols = {name: documents.column(name).to_pylist() for name in
            ("doc_id", "source", "media_type", "content", "run_id", "url", "charset", "listed_at")}
    for i in range(documents.num_rows):
        doc_id, source, media_type, content, run_id, doc_url, charset, listed_at = (cols[c][i] for c in cols)
        doc_url = doc_url or (source if source.startswith(("http://", "https://")) else None)
        try:
            if media_type == "application/x-ndjson":
                page = clean_jsonl_record(content)
            else:
                decoded = decode_content(content, media_type, charset)
                if media_type == "text/html":
                    page = clean_html_page(decoded, doc_url, config.min_words)
                else:
                    page = clean_text_page(decoded)
            text = page["text"]
            words = count_words(text)
            if words == 0:
                raise Rejected("empty_text", "no story text left after removing page chrome")
            if words < config.min_words:
                raise Rejected("too_short", f"{words} words < min_words {config.min_words}")
        except Rejected as exc:
            rejects.append({"source": source, "doc_id": doc_id, "stage": "clean", "reason": exc.reason,
                            "detail": exc.detail, "run_id": run_id})
            continue
        url = page.get("url") or doc_url
        published, date_source = page.get("published_at"), page.get("date_source")
        if listed_at is not None and date_source != "metadata":  # the feed's or sitemap's date for the URL
            published, date_source = listed_at, "metadata"
        if published is None and (d := date_from_url(url or (source if "://" in source else None))):
            published, date_source = d, "url"
        site = page.get("site") or (urlsplit(url).hostname if url else None)
        rows.append({
            "article_id": sha(source, doc_id),
            "doc_id": doc_id, "url": url, "source": source, "site": site,
            "title": page.get("title"), "author": page.get("author"),
            "published_at": published, "date_source": date_source,
            "language": detect_language(text), "text": text, "n_words": words,
            "text_hash": text_hash(text), "dup_of": None, "dup_similarity": None, "run_id": run_id,
        })
    return schemas.from_rows(rows, schemas.ARTICLES), schemas.from_rows(rejects, schemas.REJECTS)


def clean_part(config: Config, run_id: str, path: str) -> dict:
    """Clean one staged documents part into a staged ``_clean`` part (articles before dedup)."""
    store = Store.of(config)
    documents = store.read_parquet(path)
    articles, rejects = clean_articles(documents, config)
    name = Path(path).stem.split("-fetch-")[-1]
    staged = store.stage_scratch(run_id, "_clean", articles, f"clean-{name}") if articles.num_rows else None
    store.stage_part(run_id, "rejects", rejects, f"clean-{name}")
    progress("clean", documents.num_rows)
    return {"part": staged, "rows_in": documents.num_rows,
            "rows_out": articles.num_rows, "rejects": reasons(rejects)}


clean_part_task = task(clean_part, name="clean-part")


@task(name="clean")
def clean(config: Config, run_id: str, document_parts: list[str]) -> dict:
    """Clean every staged documents part, one after the other."""
    return merge_part_results("clean", [clean_part(config, run_id, p) for p in document_parts])

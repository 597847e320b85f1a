"""clean: documents into articles.

Reads ``documents``: doc_id, source, media_type, content, url, charset, listed_at.
Writes ``articles``: article_id, doc_id, url, source, site, title, author, published_at,
date_source, language, text, n_words, text_hash, run_id (dup_of and dup_similarity are
added by the deduplicate stage), and ``rejects`` rows (stage ``clean``).

- HTML goes through ``tasks.clean.pages.clean_html_page`` (trafilatura, a fallback pass, our chrome
  filter and metadata checks), in a child process that bounds each page's time
  (``page_timeout``): a page that takes longer becomes a rejects row ``extraction_timeout``.
- Plain text goes through the line classifier in ``tasks.clean.boilerplate``; a title and a
  dateline date are taken from the text where it has them.
- A JSONL line is an already extracted article: its text is kept verbatim, so offsets refer
  to the given text.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pyarrow as pa

from newsloom import isolation, schemas
from newsloom.config import Config
from newsloom.domains import url_host
from newsloom.prose import is_prose
from newsloom.records import BadRecord, parse_record
from newsloom.rejects import reject
from newsloom.stage import Stage
from newsloom.util import sha
from tasks.clean import boilerplate
from tasks.clean.dates import date_from_url, is_whole_dateline, parse_dateline
from tasks.clean.encoding import with_repaired_encoding
from tasks.clean.pages import Rejected, clean_html_page, count_words, normalise_paragraphs  # noqa: F401 (re-exported)
from tasks.clean.plaintext import join_broken_sentences, unwrap_hard_wrapped
from tasks.common.dates import parse_any
from tasks.common.minhash import compute_signatures

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
WESTERN = {"cp1252", "latin_1", "iso8859_15", "utf_8"}
NORM_TEXT = re.compile(r"[\W_]+", re.UNICODE)


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
    try:
        return str(western or best)
    except UnicodeDecodeError as exc:  # the detector's guess does not hold for the whole input
        raise Rejected("decode_error", f"no text encoding fits the bytes ({exc.encoding}: {exc.reason})") from None


# ---- shared helpers ---------------------------------------------------------------------------------
def text_hash(text: str) -> str:
    """Hash of the text lowercased, accents folded and punctuation and whitespace removed."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return sha(NORM_TEXT.sub(" ", folded).strip())


PROSE_MIN_WORDS = 8  # fewer words of prose than this: too little to tell the language (None)
# below this share of the detector's probability the language is not decided (None): real prose scores 1.0 in
# every corpus we hold (the sample, French and English alike); short, table-like reports of results score from
# 0.46 up, and an undecided language is read in the run's majority language rather than rejected
LANGUAGE_MIN_PROBABILITY = 0.9


@lru_cache(maxsize=1)
def _identifier():
    """py3langid's model, choosing only among languages with an ISO 639-1 code: ``articles.language`` is one
    (CONTRACT.md), and the others it knows include English-lexified creoles such as Nigerian Pidgin (pcm),
    which it prefers to English on a few lines of short sentences."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in identifier.nb_classes if len(code) == 2])
    return identifier


def detect_language(text: str) -> str | None:
    """The language of the text's prose lines (ISO 639-1), or None where there is too little prose to tell
    or the detector is unsure (LANGUAGE_MIN_PROBABILITY): a table of English results is never another
    language because its names and figures look like one."""
    sample, n = [], 0
    for line in text.splitlines():
        if is_prose(line):
            sample.append(line)
            n += max(len(line.split()), len(line) // 4)
            if n >= 800:
                break
    if n < PROSE_MIN_WORDS:
        return None
    lang, probability = _identifier().classify("\n".join(sample))
    return lang if probability >= LANGUAGE_MIN_PROBABILITY else None


# ---- plain text -------------------------------------------------------------------------------------
TITLE_MAX_WORDS = 30


def clean_text_page(raw: str, fetched_at=None) -> dict:
    """A plain-text page dump into title, dateline date and story text.  ``fetched_at`` gives a dateline
    without its year ("lundi 2 mars") its year."""
    raw = boilerplate.strip_residue(raw.replace("\r\n", "\n").replace("\r", "\n"))
    raw = join_broken_sentences(unwrap_hard_wrapped(raw))
    lines = raw.split("\n")
    title, published = None, None
    # the first non-chrome, non-date short line before the story is the title
    keep = set(boilerplate.story_lines(lines))
    first_story = min(keep) if keep else len(lines)
    for i, line in enumerate(lines[:first_story]):
        s = line.strip()
        if not s:
            continue
        if (whole := is_whole_dateline(s, fetched_at)) is not None:
            published = published or whole
            continue
        if title is None and not boilerplate.is_chrome(s) and 2 <= boilerplate.n_words(s) <= TITLE_MAX_WORDS:
            title = s
    # a dateline may open the first story paragraph, or stand on its own line inside the story
    paragraphs = []
    for i in sorted(keep):
        s = lines[i].strip()
        d = parse_dateline(s, fetched_at)
        if d:
            published = published or d[0]
            s = s[d[1]:].strip()
            if not s:
                continue
        if title is not None and s == title and not paragraphs:
            continue
        paragraphs.append(s)
    page = {"title": title, "published_at": published, "date_source": "text" if published else None,
            "title_source": "first_line" if title else None, "text": normalise_paragraphs(paragraphs)}
    return with_repaired_encoding(page)


# ---- HTML (tasks.clean.pages, in a page worker) -------------------------------------------------------------
def extract_page(html: str, url: str | None, config: Config) -> dict:
    """``clean_html_page`` within ``config.page_timeout`` seconds, in this thread's page worker."""
    if not config.page_timeout:
        return clean_html_page(html, url, config.min_words)
    worker = isolation.for_thread("tasks.clean.pages:clean_html_page", config.page_timeout)
    try:
        return worker(html, url, config.min_words)
    except isolation.CallTimedOut:
        raise Rejected("extraction_timeout", f"extraction took longer than page_timeout "
                                             f"{config.page_timeout:g} s ({len(html):,} characters)") from None
    except isolation.WorkerDied as exc:
        raise Rejected("extraction_crashed", str(exc)) from None


# ---- JSONL --------------------------------------------------------------------------------------------
def clean_jsonl_record(line: bytes) -> dict:
    try:
        obj = parse_record(line)
    except BadRecord as exc:
        raise Rejected(exc.reason, exc.detail) from None
    published = parse_any(obj.get("published_at"))
    url = obj.get("url") or None
    return {
        "title": obj.get("title") or None,
        "author": obj.get("author") or None,
        "site": obj.get("source") or obj.get("site") or url_host(url),
        "url": url,
        "published_at": published,
        "date_source": "metadata" if published else None,
        "title_source": "record" if obj.get("title") else None,
        "author_source": "record" if obj.get("author") else None,
        "text": obj["text"],  # verbatim: offsets refer to the given text
    }


# ---- the stage -------------------------------------------------------------------------------------------
def clean_articles(documents: pa.Table, config: Config) -> tuple[pa.Table, pa.Table]:
    """documents -> (articles with dup_of and dup_similarity still null, rejects)."""
    rows, rejects = [], []
    documents = schemas.conform(documents, schemas.DOCUMENTS)  # parts of earlier versions lack the web columns
    cols = {name: documents.column(name).to_pylist() for name in
            ("doc_id", "source", "media_type", "content", "run_id", "url", "charset", "listed_at", "fetched_at")}
    for i in range(documents.num_rows):
        doc_id, source, media_type, content, run_id, doc_url, charset, listed_at, fetched_at = (cols[c][i] for c in cols)
        doc_url = doc_url or (source if source.startswith(("http://", "https://")) else None)
        try:
            if media_type == "application/x-ndjson":
                page = clean_jsonl_record(content)
            else:
                decoded = decode_content(content, media_type, charset)
                if media_type == "text/html":
                    page = extract_page(decoded, doc_url, config)
                else:
                    page = clean_text_page(decoded, fetched_at)
            text = page["text"]
            words = count_words(text)
            if words == 0:
                raise Rejected("empty_text", "no story text left after removing page chrome")
            if words < config.min_words:
                raise Rejected("too_short", f"{words} words < min_words {config.min_words}")
        except Rejected as exc:
            rejects.append(reject("clean", source, exc.reason, exc.detail, run_id, doc_id))
            continue
        url = page.get("url") or doc_url
        published, date_source = page.get("published_at"), page.get("date_source")
        if listed_at is not None and date_source != "metadata":  # the feed's or sitemap's date for the URL
            published, date_source = listed_at, "metadata"
        if published is None and not page.get("date_ranked") and (
                d := date_from_url(url or (source if "://" in source else None))):
            published, date_source = d, "url"  # the ranker saw the URL's date already, and chose not to trust it
        site = page.get("site") or url_host(url)
        rows.append({
            "article_id": sha(source, doc_id),
            "doc_id": doc_id, "url": url, "source": source, "site": site,
            "title": page.get("title"), "author": page.get("author"),
            "published_at": published, "date_source": date_source,
            "published_date": published.date() if published is not None else None,
            "date_evidence": page.get("date_evidence") if published is page.get("published_at") else None,
            "title_source": page.get("title_source"), "author_source": page.get("author_source"),
            "language": detect_language(text), "text": text, "n_words": words,
            "text_hash": text_hash(text), "dup_of": None, "dup_similarity": None, "run_id": run_id,
        })
    return schemas.from_rows(rows, schemas.ARTICLES), schemas.from_rows(rejects, schemas.REJECTS)


def _clean_part(inputs: dict[str, pa.Table], config: Config) -> dict[str, pa.Table]:
    articles, rejects = clean_articles(inputs["documents"], config)
    return {"_clean": articles, "_minhash": compute_signatures(articles, config), "rejects": rejects}


STAGE = Stage(
    name="clean",
    reads={"documents": None},
    writes=("_clean", "_minhash", "rejects"),
    part=_clean_part,
    parts_of="documents",
)

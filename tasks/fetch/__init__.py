"""fetch: read inputs into the ``documents`` table.

Reads: the run's SOURCEs (see ``newsloom.sources``): files and directories (walked recursively),
http(s) URLs of pages, RSS/Atom feeds and sitemaps, ``.txt`` lists of URLs, WARC archives and
``sources.yaml`` files; and, from earlier runs, ``documents`` (source, doc_id), ``rejects`` and
the internal ``_feeds`` table.
Writes ``documents``: doc_id, source, fetched_at, media_type, content, http_status, run_id, url,
charset, listed_at, via; ``rejects`` rows (stage ``fetch``) for inputs that cannot be taken; and
``_feeds`` rows (conditional-GET validators of every feed and sitemap polled).

Local files: one document per file; for a ``.jsonl`` file, one document per line (an already
extracted article), with source ``<file path>#<id>``; gzip (``.gz``) read through a
decompression cap; a WARC archive gives one document per archived HTML or text response,
with the archived URL as source.  Web: see ``tasks.fetch.web``; a document's source is the canonical
URL it was listed under.

Incremental: a file whose (source, doc_id) is already in ``documents`` is skipped, and a URL
already in ``documents`` is not requested again unless ``refetch``; URLs rejected for good
(robots, private address, 4xx, ...) are not retried; feeds and sitemaps send If-None-Match and
If-Modified-Since.  So a rerun fetches nothing twice and adds no rows.
"""
from __future__ import annotations

import gzip
import math
import os
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from newsloom import schemas
from newsloom.config import Config
from newsloom.fs import input_size, is_remote, list_inputs, open_input
from newsloom.records import BadRecord, parse_record
from newsloom.rejects import reject
from newsloom.sources import Source, expand_sources, is_http_url
from newsloom.stage import Stage
from newsloom.util import progress, sha
from tasks.fetch.crawl import PERMANENT_REJECTS, Crawl, Target
from tasks.fetch.warc import is_warc, read_warc
from tasks.fetch.web import Inflater, TooLarge, canonical_url, url_refusal

PARTS_PER_WORKER = 8
URL_LINE = re.compile(r"https?://\S+", re.I)
# an HTTP status that will not change on a retry (rejects detail starts with it)
PERMANENT_STATUS = re.compile(r"HTTP 4(?!08|29)\d\d\b")

MEDIA_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "text/html",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
}


@dataclass(frozen=True)
class Input:
    path: Path | str  # the file on disk, or its object-store URL
    source: str  # its name in the tables: path relative to the SOURCE root

    @property
    def name(self) -> str:
        return str(self.path).rstrip("/").rsplit("/", 1)[-1]


def discover_inputs(sources: list[str]) -> list[Input]:
    """Every file under the given sources, in a stable order.  Hidden files are skipped."""
    found: list[Input] = []
    for s in sources:
        if is_remote(s):
            found.extend(Input(url, rel) for url, rel in list_inputs(s))
            continue
        root = Path(s)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    p = Path(dirpath) / name
                    found.append(Input(p, p.relative_to(root).as_posix()))
        else:
            found.append(Input(root, root.name))
    return found


def media_type_of(name: str) -> tuple[str | None, bool]:
    """(media type by file name, whether it is gzip-compressed)."""
    lower = name.lower()
    gz = lower.endswith(".gz")
    if gz:
        lower = lower[:-3]
    return MEDIA_TYPES.get(Path(lower).suffix), gz


def read_capped(path: Path, gz: bool, max_bytes: int) -> bytes:
    """Read a file, decompressing gzip, refusing more than max_bytes (after decompression too).
    Raises TooLarge, OSError, or zlib.error for damaged gzip data."""
    if not gz:
        size = input_size(path)
        if size > max_bytes:
            raise TooLarge(f"{size} bytes > limit {max_bytes}")
        with open_input(path) as fh:
            return fh.read()
    inflater = Inflater(max_bytes)
    with open_input(path) as raw:
        while chunk := raw.read(1 << 20):
            inflater.feed(chunk)
    if not inflater.d.eof:
        raise EOFError("gzip data ends before the end of its stream")
    return bytes(inflater.out)


def _jsonl_documents(inp: Input, data: bytes, fetched_at, run_id: str) -> Iterator[tuple[str, dict]]:
    """("doc", row) or ("reject", row) per line of a JSONL file."""
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = parse_record(line)
        except BadRecord as exc:
            yield "reject", reject("fetch", f"{inp.source}#L{lineno}", exc.reason, f"line {lineno}: {exc.detail}", run_id)
            continue
        ident = obj.get("id")
        ident = str(ident) if ident not in (None, "") else f"L{lineno}"
        yield "doc", {
            "doc_id": sha(line),
            "source": f"{inp.source}#{ident}",
            "fetched_at": fetched_at,
            "media_type": "application/x-ndjson",
            "content": bytes(line),
            "http_status": None,
            "run_id": run_id,
        }


def url_list(data: bytes, forced: bool = False) -> tuple[list[str], list[str]] | None:
    """(URLs, other lines) when a text file is a list of URLs, one per line, ``#`` for comments.

    A file counts as a URL list when every entry is an http(s) URL; with ``forced`` (kind ``urls``
    in sources.yaml) the other lines are returned for rejecting.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    entries = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    urls = [e for e in entries if URL_LINE.fullmatch(e)]
    if forced or (entries and len(urls) == len(entries)):
        return urls, [e for e in entries if not URL_LINE.fullmatch(e)]
    return None


@dataclass
class FetchState:
    """What earlier runs left: documents and rejects seen, feed validators."""

    seen: set[tuple[str, str]] = field(default_factory=set)  # (source, doc_id)
    seen_urls: set[str] = field(default_factory=set)
    known_bad: set[str] = field(default_factory=set)  # URLs rejected for good
    rejected: set[tuple[str, str, str]] = field(default_factory=set)  # (source, stage, reason) already recorded
    feeds: dict[str, dict] = field(default_factory=dict)  # latest _feeds row per URL

    @classmethod
    def from_tables(cls, documents: pa.Table, rejects: pa.Table, feeds_table: pa.Table) -> "FetchState":
        """From the committed ``documents`` (source, doc_id), ``rejects`` (source, stage, reason, detail)
        and ``_feeds`` rows of earlier runs."""
        sources, ids = documents.column("source").to_pylist(), documents.column("doc_id").to_pylist()
        seen = set(zip(sources, ids))
        seen_urls = {s for s in sources if is_http_url(s)}
        known_bad, rejected = set(), set()
        for src, stage, reason, detail in zip(*(rejects.column(c).to_pylist()
                                                for c in ("source", "stage", "reason", "detail"))):
            rejected.add((src, stage, reason))
            if stage == "fetch" and is_http_url(src) and (
                    reason in PERMANENT_REJECTS or reason == "http_error" and PERMANENT_STATUS.match(detail or "")):
                known_bad.add(src)
        feeds: dict[str, dict] = {}
        for row in sorted(feeds_table.to_pylist(), key=lambda x: x["fetched_at"]):
            prev = feeds.get(row["url"])
            if row["http_status"] == 304 and prev:  # not modified: keep the validators of the full response
                row = {**row, "etag": prev["etag"], "last_modified": prev["last_modified"], "kind": prev["kind"]}
            feeds[row["url"]] = row
        return cls(seen, seen_urls, known_bad, rejected, feeds)


def url_adder(targets: list[Target], run_id: str):
    """A function that queues a URL the user gave (directly or in a URL list) for the crawl;
    it returns a rejects event for a URL that is not http(s), else None."""

    def add_url(url: str, kind: str = "auto", every: float | None = None, via: str | None = None):
        canon = canonical_url(url)
        if canon is None:
            return "reject", reject("fetch", url, *url_refusal(url), run_id)
        targets.append(Target(canon, kind, trusted=True, via=via, every=every))
        return None

    return add_url


def iter_fetched(sources: list[Source], config: Config, run_id: str, state: FetchState,
                 counts: Counter) -> Iterator[tuple[str, dict | str]]:
    """Every input of the run as events: ("doc", row), ("reject", row), ("feed", row), ("seen", key).

    Local files first (directories walked, URL lists collected), then every URL, feed and
    sitemap, fetched concurrently.
    """
    targets: list[Target] = []
    add_url = url_adder(targets, run_id)

    for src in sources:
        if src.is_url:
            if (ev := add_url(src.target, src.kind, src.every)) is not None:
                yield ev
            continue
        for inp in discover_inputs([src.target]):
            counts["files"] += 1
            yield from _local_events(inp, src, config, run_id, state, counts, add_url)
    if targets:
        crawl = Crawl(config, run_id, state.seen_urls, state.known_bad, state.feeds)
        try:
            yield from crawl.run(targets)
        finally:
            counts["http_requests"] += crawl.fetcher.n_requests
            counts["http_bytes"] += crawl.fetcher.n_bytes


def _local_events(inp: Input, src: Source, config: Config, run_id: str, state: FetchState, counts: Counter,
                  add_url) -> Iterator[tuple[str, dict | str]]:
    if src.kind == "warc" or is_warc(inp.name):
        for kind, row in read_warc(inp.path, inp.source, run_id, config.max_bytes, counts):
            if kind == "doc" and (row["source"], row["doc_id"]) in state.seen:
                yield "seen", row["source"]
            else:
                yield kind, row
        return
    media_type, gz = media_type_of(inp.name)
    if src.kind == "urls":
        media_type = "text/plain"
    if media_type is None:
        yield "reject", reject("fetch", inp.source, "unsupported_type", f"file type of {inp.name!r} is not supported",
                                run_id)
        return
    fetched_at = datetime.now(timezone.utc)
    try:
        data = read_capped(inp.path, gz, config.max_bytes)
    except TooLarge as exc:
        yield "reject", reject("fetch", inp.source, "too_large", str(exc), run_id)
        return
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        reason = "decode_error" if isinstance(exc, (EOFError, gzip.BadGzipFile, zlib.error)) else "read_error"
        yield "reject", reject("fetch", inp.source, reason, f"{type(exc).__name__}: {exc}", run_id)
        return
    if media_type == "text/plain" and (listed := url_list(data, forced=src.kind == "urls")) is not None:
        urls, others = listed
        counts["url_lists"] += 1
        for line in others:
            yield "reject", reject("fetch", f"{inp.source}: {line[:200]}", "unsupported_scheme",
                                    "a URL list line that is not an http(s) URL", run_id)
        for url in urls:
            if (ev := add_url(url, via=inp.source)) is not None:
                yield ev
        return
    if media_type == "application/x-ndjson":
        for kind, row in _jsonl_documents(inp, data, fetched_at, run_id):
            if kind == "doc" and (row["source"], row["doc_id"]) in state.seen:
                yield "seen", row["source"]
            else:
                yield kind, row
        return
    doc_id = sha(data)
    if (inp.source, doc_id) in state.seen:
        yield "seen", inp.source
        return
    yield "doc", {"doc_id": doc_id, "source": inp.source, "fetched_at": fetched_at, "media_type": media_type,
                  "content": data, "http_status": None, "run_id": run_id}


def batch_size(sources: list[Source], config: Config) -> int:
    """Documents per part: ``batch_size``, or fewer so that every worker gets about PARTS_PER_WORKER parts
    (the last ones then end close together).  A default run (no ``workers``, no cluster) over fewer than
    ``parallel_from`` local files keeps ``batch_size``: starting worker processes would cost more than they
    save, and the flow runs a run of one part in its own process."""
    if config.serial:
        return config.batch_size
    n_local = sum(len(discover_inputs([s.target])) for s in sources if not s.is_url)
    if config.workers is None and not config.dask_address and n_local < config.parallel_from:
        return config.batch_size
    return max(1, min(config.batch_size, math.ceil(max(n_local, 1) / (PARTS_PER_WORKER * config.n_workers))))


def fetch_documents(config: Config, run_id: str, state: FetchState, counts: Counter) -> Iterator[tuple[str, dict]]:
    """Read every SOURCE of ``config`` into parts: yields ``(key, {"documents", "rejects"})`` per batch of
    documents, then ``("feeds", {"_feeds": ...})``.  ``counts`` gathers rows_in, bytes, already_seen,
    HTTP requests and the like as the inputs are read."""
    sources = expand_sources(config.sources)
    size = batch_size(sources, config)
    progress("fetch", 0, None, info="")
    docs: list[dict] = []
    rejects: list[dict] = []
    feeds: list[dict] = []
    n_parts = n_docs = n_bad = 0

    def part() -> tuple[str, dict]:
        nonlocal docs, rejects, n_parts
        bad = drop_known_rejects(schemas.from_rows(rejects, schemas.REJECTS), state.rejected)
        out = f"{n_parts:05d}", {"documents": schemas.from_rows(docs, schemas.DOCUMENTS), "rejects": bad}
        docs, rejects, n_parts = [], [], n_parts + 1
        return out

    for kind, row in iter_fetched(sources, config, run_id, state, counts):
        if kind == "doc":
            docs.append(row)
            n_docs += 1
            counts["bytes"] += len(row["content"])
        elif kind == "reject":
            rejects.append(row)
            n_bad += 1
        elif kind == "feed":
            feeds.append(row)
            counts["feeds_polled"] += 1
            counts["feeds_not_modified"] += row["http_status"] == 304
            continue
        else:  # seen, known_reject, not_due
            counts[{"seen": "already_seen"}.get(kind, kind)] += 1
        progress("fetch", 1, None, info=f"{n_docs} fetched, {n_bad} failed, {counts['bytes'] / 1e6:.1f} MB")
        if len(docs) >= size:
            yield part()
    if docs or rejects or not n_parts:
        yield part()
    yield "feeds", {"_feeds": schemas.from_rows(feeds, schemas.FEEDS)}
    counts["rows_in"] = n_docs + n_bad + counts["already_seen"] + counts["known_reject"] + counts["not_due"]
    counts.setdefault("already_seen", 0)


def drop_known_rejects(rejects: pa.Table, known: set[tuple[str, str, str]]) -> pa.Table:
    """Rejects already recorded by an earlier run for the same input and reason are not written again."""
    keys = zip(rejects.column("source").to_pylist(), rejects.column("stage").to_pylist(),
               rejects.column("reason").to_pylist())
    return rejects.filter(pa.array([k not in known for k in keys], pa.bool_()))


def _fetch_whole(inputs: dict[str, pa.Table], config: Config, run_id: str, counts: Counter):
    state = FetchState.from_tables(inputs["committed:documents"], inputs["committed:rejects"], inputs["committed:_feeds"])
    return fetch_documents(config, run_id, state, counts)


STAGE = Stage(
    name="fetch",
    reports={"n_documents": "rows_out", "already_seen": "already_seen"},
    whole_reads={"committed:documents": ("source", "doc_id"),
               "committed:rejects": ("source", "stage", "reason", "detail"),
               "committed:_feeds": None},
    writes=("documents", "rejects", "_feeds"),
    whole=_fetch_whole,
    produces_parts=True,
)

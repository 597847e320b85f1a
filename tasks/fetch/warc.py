"""WARC archives for the fetch stage: every archived HTML or text response becomes a document.

Reads ``.warc`` and ``.warc.gz`` files with warcio (record-level gzip included).  For each
``response`` record: the HTTP status, the Content-Type (media type and charset) and the payload,
de-chunked and decompressed by warcio, read through the size cap.  ``resource`` records (a file
archived without HTTP headers) are taken by their Content-Type.  ``revisit`` records are
counted, not stored (their payload is an earlier record's); ``request``, ``metadata`` and
``warcinfo`` records are not documents.  A non-2xx response, a media type that is not an article
format, an oversized payload and a damaged archive become rejects rows.
"""
from __future__ import annotations

import zlib
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from newsloom.fs import open_input
from newsloom.rejects import reject
from newsloom.util import sha
from tasks.fetch.web import HTML_TYPES, TEXT_TYPES, canonical_url, parse_content_type

WARC_SUFFIXES = (".warc", ".warc.gz")


def is_warc(name: str) -> bool:
    return name.lower().endswith(WARC_SUFFIXES)


def _warc_date(value: str | None) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except (AttributeError, ValueError):
        return datetime.now(timezone.utc)


def read_warc(path: Path, source_name: str, run_id: str, max_bytes: int,
              counts: Counter | None = None) -> Iterator[tuple[str, dict]]:
    """("doc", documents row) or ("reject", rejects row) per archived response."""
    from warcio.archiveiterator import ArchiveIterator

    counts = counts if counts is not None else Counter()

    def rejected(source: str, reason: str, detail: str) -> tuple[str, dict]:
        return "reject", reject("fetch", source, reason, detail, run_id)

    try:
        with open_input(path) as fh:
            for record in ArchiveIterator(fh, arc2warc=True):
                rtype = record.rec_type
                counts[f"warc_{rtype}"] += 1
                if rtype not in ("response", "resource"):
                    continue
                target = record.rec_headers.get_header("WARC-Target-URI") or ""
                url = canonical_url(target) or target
                source = url or f"{source_name}#{record.rec_headers.get_header('WARC-Record-ID')}"
                status = None
                if rtype == "response":
                    if record.http_headers is None:
                        continue  # a non-HTTP response record (dns: and the like)
                    status = int(record.http_headers.get_statuscode() or 0)
                    media, charset = parse_content_type(record.http_headers.get_header("Content-Type"))
                else:
                    media, charset = parse_content_type(record.rec_headers.get_header("Content-Type"))
                if status is not None and not 200 <= status < 300:
                    yield rejected(source, "http_error", f"HTTP {status} archived in {source_name}")
                    continue
                if media not in HTML_TYPES and media not in TEXT_TYPES:
                    yield rejected(source, "unsupported_type", f"media type {media} archived in {source_name}")
                    continue
                content = record.content_stream().read(max_bytes + 1)
                if len(content) > max_bytes:
                    yield rejected(source, "too_large", f"payload of more than {max_bytes} bytes in {source_name}")
                    continue
                if getattr(record.raw_stream, "limit", 0):  # bytes the record declared but the file lacks
                    yield rejected(source, "decode_error", f"record truncated in {source_name}")
                    continue
                yield "doc", {
                    "doc_id": sha(content), "source": source,
                    "fetched_at": _warc_date(record.rec_headers.get_header("WARC-Date")),
                    "media_type": "text/html" if media in HTML_TYPES else "text/plain", "content": content,
                    "http_status": status, "run_id": run_id, "url": url or None, "charset": charset,
                    "listed_at": None, "via": source_name,
                }
    except Exception as exc:  # noqa: BLE001 - warcio raises many kinds on damaged input; the run goes on
        yield rejected(source_name, "decode_error", f"damaged WARC archive: {type(exc).__name__}: {exc}")
        return
    if str(path).lower().endswith(".gz") and (problem := gzip_problem(path)):
        # warcio stops quietly at a truncated gzip member: say so, or the records after it are lost unseen
        yield rejected(source_name, "decode_error", f"damaged WARC archive: {problem}; records after it are missing")


def gzip_problem(path: Path) -> str | None:
    """Why a multi-member gzip file is damaged (bad data, a truncated member), or None."""
    d = zlib.decompressobj(31)
    fed = False
    try:
        with open_input(path) as fh:
            while chunk := fh.read(1 << 20):
                while chunk:
                    fed = True
                    d.decompress(chunk, 1 << 20)
                    chunk = d.unconsumed_tail
                    if d.eof:
                        chunk = d.unused_data + chunk
                        d = zlib.decompressobj(31)
                        fed = False
    except zlib.error as exc:
        return f"bad gzip data: {exc}"
    return "the last gzip member is truncated" if fed else None

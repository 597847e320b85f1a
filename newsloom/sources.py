"""What a run reads: SOURCE strings and ``sources.yaml`` files turned into typed sources.

A SOURCE is one of:

- an http(s) URL: a page, an RSS/Atom feed or a sitemap (told apart by what the server sends);
- a file or directory: HTML, text, JSONL, WARC, gzip of any of these, or a ``.txt`` list of URLs;
- a ``sources.yaml`` file listing sources with a name, a kind and a schedule hint::

      sources:
        - name: Example Wire
          url: https://example.org/feed.xml
          kind: feed          # page, feed, sitemap, urls, warc, path or auto (default)
          every: 6h           # poll at most this often (s, m, h, d); default: every run
        - name: Local drop folder
          path: data/raw      # relative paths are relative to the yaml file

Errors in a sources file raise ``ConfigError`` before any work starts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

KINDS = ("auto", "page", "feed", "sitemap", "urls", "warc", "path")
URL_KINDS = ("auto", "page", "feed", "sitemap")
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SourcesError(ValueError):
    """A SOURCE or a sources file is wrong."""


@dataclass(frozen=True)
class Source:
    target: str  # an http(s) URL or a filesystem path
    kind: str = "auto"
    name: str | None = None
    every: float | None = None  # seconds: minimum time between two polls of a feed or sitemap

    @property
    def is_url(self) -> bool:
        return is_http_url(self.target)


def is_http_url(s: str) -> bool:
    return s.lower().startswith(("http://", "https://"))


def parse_interval(value) -> float | None:
    """``90``, ``"90s"``, ``"30m"``, ``"6h"``, ``"1d"`` -> seconds."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    m = _INTERVAL.match(str(value))
    if not m:
        raise SourcesError(f"'every' must look like 90, 30m, 6h or 1d, got {value!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def load_sources_file(path: str | Path) -> list[Source]:
    """Parse a sources.yaml file (a list under ``sources:``, or a bare list)."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourcesError(f"{path}: cannot read sources file: {exc}") from None
    entries = data.get("sources") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise SourcesError(f"{path}: expected a list under 'sources:'")
    out = []
    for i, entry in enumerate(entries, start=1):
        where = f"{path}: source {i}"
        if isinstance(entry, str):
            entry = {"url": entry} if is_http_url(entry) else {"path": entry}
        if not isinstance(entry, dict):
            raise SourcesError(f"{where}: expected a mapping with url or path")
        unknown = set(entry) - {"name", "url", "path", "kind", "every"}
        if unknown:
            raise SourcesError(f"{where}: unknown keys {sorted(unknown)}")
        url, local = entry.get("url"), entry.get("path")
        if bool(url) == bool(local):
            raise SourcesError(f"{where}: give exactly one of url and path")
        kind = entry.get("kind") or "auto"
        if kind not in KINDS:
            raise SourcesError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        try:
            every = parse_interval(entry.get("every"))
        except SourcesError as exc:
            raise SourcesError(f"{where}: {exc}") from None
        if url:
            if not is_http_url(str(url)):
                raise SourcesError(f"{where}: only http and https URLs are fetched, got {url!r}")
            if kind not in URL_KINDS:
                raise SourcesError(f"{where}: kind {kind!r} needs a path, not a url")
            out.append(Source(str(url), kind, entry.get("name"), every))
        else:
            if "://" in str(local):
                out.append(Source(object_store_source(str(local)), kind if kind != "auto" else "path",
                                  entry.get("name"), every))
                continue
            p = Path(str(local)).expanduser()
            if not p.is_absolute():
                p = path.parent / p
            if not p.exists():
                raise SourcesError(f"{where}: path not found: {p}")
            out.append(Source(str(p), kind if kind != "auto" else "path", entry.get("name"), every))
    return out


OBJECT_STORE_SCHEMES = ("s3://", "s3a://", "gs://", "gcs://", "abfs://", "abfss://", "az://")


def object_store_source(url: str) -> str:
    """An object-store SOURCE (s3://bucket/prefix, gs://..., any installed fsspec scheme), checked."""
    from newsloom.fs import filesystem

    if not url.lower().startswith(OBJECT_STORE_SCHEMES):
        raise SourcesError(f"only http(s) URLs and object-store URLs ({', '.join(OBJECT_STORE_SCHEMES)}) are read, "
                           f"got {url!r}; give a local file or folder as a plain path")
    try:
        fs, path = filesystem(url)
    except (ImportError, ValueError) as exc:
        raise SourcesError(f"cannot read {url!r}: {exc}") from None
    try:
        found = fs.exists(path)
    except Exception as exc:  # noqa: BLE001 - credentials, endpoint, network: say which SOURCE and why
        raise SourcesError(f"cannot read {url!r}: {type(exc).__name__}: {exc}") from None
    if not found:
        raise SourcesError(f"source not found: {url}")
    return url


def expand_sources(sources: list[str]) -> list[Source]:
    """SOURCE strings -> Sources; sources.yaml files are read and replaced by their entries."""
    out: list[Source] = []
    for s in sources:
        if is_http_url(s):
            out.append(Source(s))
        elif "://" in s:
            out.append(Source(object_store_source(s), "path"))
        elif s.lower().endswith((".yaml", ".yml")) and Path(s).is_file():
            out.extend(load_sources_file(s))
        else:
            if not Path(s).exists():
                raise SourcesError(f"source not found: {s}")
            out.append(Source(s, "path"))
    return out

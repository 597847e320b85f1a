"""The crawl of fetch: targets, and everything their feeds and sitemaps list, fetched concurrently."""
from __future__ import annotations

import re
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator

from newsloom.config import Config
from newsloom.rejects import reject
from newsloom.util import sha
from tasks.fetch.fetcher import Fetcher
from tasks.fetch.web import (
    GZIP_TYPES,
    HTML_TYPES,
    TEXT_TYPES,
    FetchError,
    Item,
    Response,
    canonical_url,
    gunzip_capped,
    parse_feed,
    parse_sitemap,
    url_refusal,
    xml_root,
)

# ---- the crawl ---------------------------------------------------------------------------------------------
MAX_DEPTH = 4  # sitemap index -> sitemap -> pages, with room for one more level
PERMANENT_REJECTS = {"robots_disallowed", "private_address", "unsupported_type", "unsupported_scheme",
                     "invalid_url", "too_large", "redirect_loop"}


@dataclass(frozen=True)
class Target:
    url: str  # canonical
    kind: str = "auto"  # auto, page, feed, sitemap
    trusted: bool = False  # given by the user (may be on a private address)
    via: str | None = None  # the feed, sitemap or URL list that listed it
    listed_at: datetime | None = None
    every: float | None = None  # schedule hint: poll a feed at most this often
    depth: int = 0



@dataclass
class Crawl:
    """Fetch targets and everything their feeds and sitemaps list; yield (kind, row) events.

    Events: ``doc`` (a documents row), ``reject`` (a rejects row), ``feed`` (a ``_feeds`` row),
    ``seen`` (a URL already in documents), ``not_due`` (a feed polled more recently than its
    ``every`` hint), ``known_reject`` (a URL rejected for good by an earlier run).
    """

    config: Config
    run_id: str
    seen_urls: set[str] = field(default_factory=set)
    known_bad: set[str] = field(default_factory=set)
    feed_state: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        self.fetcher = Fetcher(self.config)
        self.visited: set[str] = set()

    # -- one target, in a worker thread
    def process(self, t: Target) -> tuple[list[tuple[str, dict | str]], list[Target]]:
        now = datetime.now(timezone.utc)
        state = self.feed_state.get(t.url)
        headers = None
        if state and t.kind != "page" and not self.config.refetch:
            if t.every and (now - state["fetched_at"]).total_seconds() < t.every:
                return [("not_due", t.url)], []
            headers = {k: v for k, v in (("If-None-Match", state.get("etag")),
                                         ("If-Modified-Since", state.get("last_modified"))) if v}
        try:
            r = self.fetcher.get(t.url, trusted=t.trusted, headers=headers)
            if r.status == 304 and state:
                return [("feed", self._feed_row(t.url, state["kind"], now, 304, state.get("etag"),
                                                state.get("last_modified"), 0))], []
            if not 200 <= r.status < 300:
                raise FetchError("http_error", f"HTTP {r.status}", r.status)
            content, media = r.content, r.media_type
            if media in GZIP_TYPES or content[:2] == b"\x1f\x8b":
                content, media = gunzip_capped(content, self.config.max_bytes), None
            root = None if media in HTML_TYPES else xml_root(content)
            if root in ("rss", "feed", "RDF"):
                return self._listing(t, r, "feed", parse_feed(content, r.url), now)
            if root in ("urlset", "sitemapindex"):
                return self._listing(t, r, "sitemap", parse_sitemap(content, r.url), now)
            if t.kind in ("feed", "sitemap"):
                raise FetchError("invalid_feed", f"expected a {t.kind}, got {media or 'content of unknown type'}")
            if media in HTML_TYPES or (media is None and re.search(rb"<(html|body|p|div)\b", content[:4096], re.I)):
                media = "text/html"
            elif media in TEXT_TYPES or (media is None and root is None):
                media = "text/plain"
            else:
                raise FetchError("unsupported_type", f"media type {media} is not an article format")
            row = {"doc_id": sha(content), "source": t.url, "fetched_at": now, "media_type": media,
                   "content": content, "http_status": r.status, "run_id": self.run_id, "url": r.url,
                   "charset": r.charset, "listed_at": t.listed_at, "via": t.via}
            return [("doc", row)], []
        except FetchError as exc:
            detail = exc.detail if exc.status is None or str(exc.status) in exc.detail else f"HTTP {exc.status}: {exc.detail}"
            return [("reject", reject("fetch", t.url, exc.reason, detail, self.run_id))], []
        except Exception as exc:  # noqa: BLE001 - one bad URL never stops the run
            return [("reject", reject("fetch", t.url, "fetch_failed", f"{type(exc).__name__}: {exc}", self.run_id))], []

    def _feed_row(self, url, kind, now, status, etag, last_modified, n_items) -> dict:
        return {"url": url, "kind": kind, "fetched_at": now, "http_status": status, "etag": etag,
                "last_modified": last_modified, "n_items": n_items, "run_id": self.run_id}

    def _listing(self, t: Target, r: Response, kind: str, items: list[Item], now):
        events: list = [("feed", self._feed_row(t.url, kind, now, r.status, r.etag, r.last_modified, len(items)))]
        cap = self.config.max_urls_per_source
        if len(items) > cap:
            events.append(("reject", reject("fetch", t.url, "too_many_urls", f"{len(items)} URLs listed; the first {cap} "
                                             f"are taken (max_urls_per_source)", self.run_id)))
            items = items[:cap]
        children = []
        for item in items:
            url = canonical_url(item.url)
            if url is None:
                reason, detail = url_refusal(item.url)
                events.append(("reject", reject("fetch", item.url[:2000], reason, f"{detail}; listed in {t.url}",
                                                 self.run_id)))
                continue
            children.append(Target(url, "sitemap" if item.is_sitemap else "page", False, t.url, item.listed_at,
                                   None, t.depth + 1))
        return events, children

    # -- the main thread: admission, seen checks, concurrency
    def _admit(self, targets: list[Target], submit) -> Iterator[tuple[str, dict | str]]:
        for t in targets:
            if t.url in self.visited:
                continue  # listed twice in this run: fetched once
            self.visited.add(t.url)
            if t.depth > MAX_DEPTH:
                yield "reject", reject("fetch", t.url, "too_deep", f"listed {t.depth} levels below a source ({t.via})",
                                        self.run_id)
            elif t.kind in ("page", "auto") and not self.config.refetch and t.url in self.seen_urls:
                yield "seen", t.url
            elif not self.config.refetch and t.url in self.known_bad:
                yield "known_reject", t.url
            else:
                submit(t)

    def run(self, targets: list[Target]) -> Iterator[tuple[str, dict | str]]:
        pool = ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="newsloom-fetch")
        pending: dict = {}

        def submit(t: Target) -> None:
            pending[pool.submit(self.process, t)] = t

        try:
            yield from self._admit(targets, submit)
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for fut in done:
                    pending.pop(fut)
                    events, children = fut.result()
                    yield from events
                    yield from self._admit(children, submit)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self.fetcher.close()

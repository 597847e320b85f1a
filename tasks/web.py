"""The web side of fetch: pages, RSS/Atom feeds and sitemaps over HTTP, politely and safely.

- httpx with connect and read timeouts, a User-Agent that names the project, our own redirect
  handling (at most ``max_redirects``, loops detected, every hop checked);
- bounded concurrency: ``concurrency`` requests overall, ``per_host`` per host, robots.txt
  ``Crawl-delay`` honoured;
- retries with exponential backoff on connection errors, 429 and 5xx, honouring Retry-After;
- robots.txt respected (RFC 9309: a 4xx robots.txt allows all, an unreachable one disallows all);
- a size cap that also applies after decompression (Content-Encoding and ``.gz`` bodies);
- URLs found in feeds, sitemaps and redirects that point at private, loopback or link-local
  addresses are refused unless ``allow_private``; only http and https are followed;
- feeds and sitemaps are fetched with conditional GET; XML with entity declarations is refused
  and sitemaps are parsed with entity resolution off.

``crawl`` yields events that the fetch task turns into ``documents``, ``rejects`` and ``_feeds`` rows.
Every failure is a reject with a snake_case reason; one bad URL never stops the run.
"""
from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
import urllib.robotparser
import zlib
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from newsloom.config import Config
from newsloom.util import sha

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain"}
XML_TYPES = {"application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
             "application/rdf+xml", "application/x-rss+xml"}
GZIP_TYPES = {"application/gzip", "application/x-gzip"}
RETRY_STATUS = {429, 500, 502, 503, 504}
REDIRECT_STATUS = {301, 302, 303, 307, 308}
# query parameters that only track the reader; dropped before the seen check
TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|_ga|_gl|_hsenc|_hsmi|"
    r"ref|ref_src|ref_url|cmpid|icid|ocid|smid|s_cid|at_medium|at_campaign|mkt_tok|oly_enc_id|oly_anon_id|"
    r"vero_id|wt_mc|cmp|sr_share)$", re.I)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(rss|feed|RDF|urlset|sitemapindex)\b")
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


class FetchError(Exception):
    """A URL could not be taken; ``reason`` is the rejects reason."""

    def __init__(self, reason: str, detail: str, status: int | None = None):
        super().__init__(detail)
        self.reason, self.detail, self.status = reason, detail, status


# ---- URLs --------------------------------------------------------------------------------------------------
def canonical_url(url: str, base: str | None = None) -> str | None:
    """The URL we key on: absolute, http(s) only, lower-case host, no default port, no fragment,
    no tracking parameters.  None for anything that is not an http(s) URL."""
    url = (url or "").strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port and not (scheme == "http" and port == 80 or scheme == "https" and port == 443):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query, doseq=True), ""))


def private_address(host: str) -> str | None:
    """The first private, loopback, link-local or otherwise non-public address ``host`` resolves to."""
    try:
        addrs = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except (socket.gaierror, UnicodeError):
            return None  # unresolvable: the request itself will fail with a clear error
        addrs = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for a in addrs:
        if a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_multicast or a.is_unspecified:
            return str(a)
    return None


def origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


# ---- bodies ------------------------------------------------------------------------------------------------
class TooLarge(Exception):
    pass


class Inflater:
    """Incremental gzip/zlib decompression that never produces more than ``limit`` bytes."""

    def __init__(self, limit: int, raw_deflate: bool = False):
        self.limit = limit
        self.d = zlib.decompressobj(-15 if raw_deflate else 47)  # 47: gzip or zlib header, auto
        self.out = bytearray()

    def feed(self, data: bytes) -> None:
        while data:
            room = self.limit - len(self.out) + 1
            self.out += self.d.decompress(data, room)
            if len(self.out) > self.limit:
                raise TooLarge(f"more than {self.limit} bytes after decompression")
            data = self.d.unconsumed_tail
        # a gzip file may hold several members
        while self.d.eof and self.d.unused_data:
            rest = self.d.unused_data
            self.d = zlib.decompressobj(47)
            self.feed(rest)


def gunzip_capped(data: bytes, limit: int) -> bytes:
    inf = Inflater(limit)
    try:
        inf.feed(data)
    except zlib.error as exc:
        raise FetchError("decode_error", f"bad gzip data: {exc}") from None
    return bytes(inf.out)


def xml_root(body: bytes) -> str | None:
    """rss, feed, RDF, urlset or sitemapindex when the body is such an XML document."""
    m = _ROOT.search(body[:4096])
    return m.group(1).decode() if m else None


def _parse_date(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, time.struct_time):
        return datetime(*value[:6], tzinfo=timezone.utc)
    from tasks.dates import parse_any

    try:
        return parse_any(str(value))
    except Exception:  # noqa: BLE001 - a bad date in a feed is just no date
        return None


@dataclass(frozen=True)
class Item:
    url: str
    listed_at: datetime | None = None
    is_sitemap: bool = False


def refuse_entities(body: bytes) -> None:
    if _ENTITY_DECL.search(body[:65536]):
        raise FetchError("invalid_feed", "XML with entity declarations is refused (entity expansion is off)")


def parse_feed(body: bytes, base: str) -> list[Item]:
    """RSS or Atom -> article URLs with their dates (feedparser)."""
    import feedparser

    refuse_entities(body)
    parsed = feedparser.parse(body)
    items = []
    for e in parsed.entries:
        link = e.get("link") or next((lk.get("href") for lk in e.get("links", []) if lk.get("href")), None)
        if link:
            when = e.get("published_parsed") or e.get("updated_parsed") or e.get("published") or e.get("updated")
            items.append(Item(urljoin(base, link), _parse_date(when)))
    if not items and (parsed.bozo or not parsed.get("version")):
        raise FetchError("invalid_feed", f"not a readable RSS/Atom feed: {parsed.get('bozo_exception') or 'no entries'}")
    return items


def parse_sitemap(body: bytes, base: str) -> list[Item]:
    """A sitemap, news sitemap or sitemap index -> URLs (child sitemaps flagged) with their dates."""
    from lxml import etree

    refuse_entities(body)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             recover=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise FetchError("invalid_feed", f"sitemap is not well-formed XML: {exc}") from None
    index = etree.QName(root).localname == "sitemapindex"
    items = []
    for node in root:
        if not isinstance(node.tag, str) or etree.QName(node).localname not in ("url", "sitemap"):
            continue
        loc, when = None, None
        for child in node.iter():
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            text = (child.text or "").strip()
            if name == "loc" and loc is None and child.getparent() is node:
                loc = text
            elif name == "publication_date" and text:  # news sitemap: the article's own date
                when = text
            elif name == "lastmod" and text and when is None:
                when = text
        if loc:
            items.append(Item(urljoin(base, loc), _parse_date(when), is_sitemap=index))
    return items


# ---- HTTP --------------------------------------------------------------------------------------------------
@dataclass
class Response:
    url: str  # after redirects
    status: int
    media_type: str | None
    charset: str | None
    content: bytes
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None


def parse_content_type(raw: str | None) -> tuple[str | None, str | None]:
    """A Content-Type value -> (media type, charset), both lower-case, None where absent."""
    if not raw:
        return None, None
    media, _, params = raw.partition(";")
    charset = None
    for p in params.split(";"):
        k, _, v = p.strip().partition("=")
        if k.lower() == "charset" and v:
            charset = v.strip().strip('"\'').lower() or None
    return media.strip().lower() or None, charset


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return None


class Fetcher:
    """A thread-safe polite HTTP client (one per run)."""

    def __init__(self, config: Config):
        self.config = config
        self.client = httpx.Client(
            headers={"User-Agent": config.user_agent, "Accept-Encoding": "gzip, deflate",
                     "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"},
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=config.concurrency * 2, max_keepalive_connections=config.concurrency),
        )
        self._lock = threading.Lock()
        self._host_slots: dict[str, threading.Semaphore] = {}
        self._next_at: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self.n_requests = 0
        self.n_bytes = 0

    def close(self) -> None:
        self.client.close()

    # -- politeness
    def _slot(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._host_slots.setdefault(host, threading.Semaphore(self.config.per_host))

    def _wait_turn(self, host: str, delay: float) -> None:
        """Honour a robots.txt Crawl-delay between requests to the same host."""
        if delay <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_at.get(host, 0.0))
            self._next_at[host] = start + delay
        if start > now:
            time.sleep(start - now)

    def robots(self, url: str) -> urllib.robotparser.RobotFileParser | str:
        """The parsed robots.txt of the URL's origin, "allow" or "disallow" (fetched once per run)."""
        key = origin(url)
        with self._lock:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._robots:
                try:
                    r = self._request(key + "/robots.txt", limit=500_000)
                    if 200 <= r.status < 300:
                        rp = urllib.robotparser.RobotFileParser()
                        rp.parse(r.content.decode("utf-8", errors="replace").splitlines())
                        self._robots[key] = rp
                    elif 400 <= r.status < 500 or r.status in REDIRECT_STATUS:
                        self._robots[key] = "allow"
                    else:
                        self._robots[key] = "disallow"
                except (FetchError, TooLarge):
                    self._robots[key] = "disallow"  # RFC 9309: unreachable robots.txt means full disallow
            return self._robots[key]

    def _check_robots(self, url: str) -> float:
        """Raise robots_disallowed, else return the crawl delay."""
        if not self.config.respect_robots:
            return 0.0
        rules = self.robots(url)
        if rules == "allow":
            return 0.0
        if rules == "disallow":
            raise FetchError("robots_disallowed", f"robots.txt of {origin(url)} could not be read; RFC 9309 says "
                                                  "assume everything is disallowed")
        if not rules.can_fetch("newsloom", url):
            raise FetchError("robots_disallowed", f"robots.txt of {origin(url)} disallows {urlsplit(url).path}")
        delay = rules.crawl_delay("newsloom")
        return min(float(delay), 60.0) if delay else 0.0

    # -- requests
    def _request(self, url: str, limit: int | None = None, headers: dict | None = None,
                 delay: float = 0.0) -> Response:
        """One GET with retries on connection errors, 429 and 5xx; no redirect following."""
        limit = limit or self.config.max_bytes
        host = urlsplit(url).netloc
        attempt = 0
        while True:
            wait_s = None
            try:
                with self._slot(host):
                    self._wait_turn(host, delay)
                    with self._lock:
                        self.n_requests += 1
                    with self.client.stream("GET", url, headers=headers) as r:
                        if r.status_code in RETRY_STATUS and attempt < self.config.retries:
                            wait_s = _retry_after(r.headers.get("retry-after"))
                            if wait_s is not None and wait_s > self.config.max_retry_after:
                                raise FetchError("http_error", f"HTTP {r.status_code}; Retry-After {wait_s:.0f}s is "
                                                               f"beyond max_retry_after", r.status_code)
                            if wait_s is None:
                                wait_s = self.config.backoff * 2 ** attempt
                        else:
                            return self._read(r, url, limit)
            except httpx.TimeoutException as exc:
                if isinstance(exc, httpx.ConnectTimeout) and attempt < self.config.retries:
                    wait_s = self.config.backoff * 2 ** attempt
                else:
                    raise FetchError("timeout", f"{type(exc).__name__} after {attempt + 1} attempt(s)") from None
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if attempt < self.config.retries:
                    wait_s = self.config.backoff * 2 ** attempt
                else:
                    raise FetchError("connect_error", f"{type(exc).__name__}: {exc}") from None
            except httpx.HTTPError as exc:
                raise FetchError("http_error", f"{type(exc).__name__}: {exc}") from None
            attempt += 1
            time.sleep(wait_s)

    def _read(self, r: httpx.Response, url: str, limit: int) -> Response:
        declared = r.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"Content-Length {declared} > limit {limit}")
        encoding = (r.headers.get("content-encoding") or "").strip().lower()
        inflater = Inflater(limit) if encoding in ("gzip", "x-gzip", "deflate") else None
        body = bytearray()
        try:
            for chunk in r.iter_raw(65536):
                with self._lock:
                    self.n_bytes += len(chunk)
                if inflater:
                    inflater.feed(chunk)
                else:
                    body += chunk
                    if len(body) > limit:
                        raise TooLarge(f"more than {limit} bytes")
        except zlib.error as exc:
            raise FetchError("decode_error", f"bad {encoding} content encoding: {exc}") from None
        content = bytes(inflater.out) if inflater else bytes(body)
        media, charset = parse_content_type(r.headers.get("content-type"))
        return Response(url, r.status_code, media, charset, content, r.headers.get("etag"),
                        r.headers.get("last-modified"), r.headers.get("location"))

    def get(self, url: str, trusted: bool = False, headers: dict | None = None) -> Response:
        """GET ``url`` following at most ``max_redirects`` redirects, checking every hop.

        ``trusted`` URLs (given by the user) may be on private addresses; URLs found in feeds,
        sitemaps and redirects may not, unless ``allow_private``.
        """
        chain = [url]
        current = url
        trusted_host = urlsplit(url).netloc if trusted else None
        while True:
            host = urlsplit(current).hostname or ""
            if not self.config.allow_private and urlsplit(current).netloc != trusted_host:
                addr = private_address(host)
                if addr:
                    raise FetchError("private_address", f"{host} resolves to the non-public address {addr}")
            delay = self._check_robots(current)
            try:
                r = self._request(current, headers=headers, delay=delay)
            except TooLarge as exc:
                raise FetchError("too_large", str(exc)) from None
            if r.status not in REDIRECT_STATUS:
                return r
            if not r.location:
                raise FetchError("http_error", f"HTTP {r.status} without a Location header", r.status)
            nxt = canonical_url(r.location, current)
            if nxt is None:
                raise FetchError("http_error", f"redirect to a URL that is not http(s): {r.location[:200]}", r.status)
            if nxt in chain:
                raise FetchError("redirect_loop", "redirect loop: " + " -> ".join(chain + [nxt]), r.status)
            if len(chain) > self.config.max_redirects:
                raise FetchError("redirect_loop", f"more than {self.config.max_redirects} redirects from {url}",
                                 r.status)
            chain.append(nxt)
            current = nxt


# ---- the crawl ---------------------------------------------------------------------------------------------
MAX_DEPTH = 4  # sitemap index -> sitemap -> pages, with room for one more level
PERMANENT_REJECTS = {"robots_disallowed", "private_address", "unsupported_type", "unsupported_scheme",
                     "too_large", "redirect_loop"}


@dataclass(frozen=True)
class Target:
    url: str  # canonical
    kind: str = "auto"  # auto, page, feed, sitemap
    trusted: bool = False  # given by the user (may be on a private address)
    via: str | None = None  # the feed, sitemap or URL list that listed it
    listed_at: datetime | None = None
    every: float | None = None  # schedule hint: poll a feed at most this often
    depth: int = 0


def _reject(source: str, reason: str, detail: str, run_id: str) -> dict:
    return {"source": source, "doc_id": None, "stage": "fetch", "reason": reason, "detail": detail, "run_id": run_id}


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
            return [("reject", _reject(t.url, exc.reason, detail, self.run_id))], []
        except Exception as exc:  # noqa: BLE001 - one bad URL never stops the run
            return [("reject", _reject(t.url, "fetch_failed", f"{type(exc).__name__}: {exc}", self.run_id))], []

    def _feed_row(self, url, kind, now, status, etag, last_modified, n_items) -> dict:
        return {"url": url, "kind": kind, "fetched_at": now, "http_status": status, "etag": etag,
                "last_modified": last_modified, "n_items": n_items, "run_id": self.run_id}

    def _listing(self, t: Target, r: Response, kind: str, items: list[Item], now):
        events: list = [("feed", self._feed_row(t.url, kind, now, r.status, r.etag, r.last_modified, len(items)))]
        cap = self.config.max_urls_per_source
        if len(items) > cap:
            events.append(("reject", _reject(t.url, "too_many_urls", f"{len(items)} URLs listed; the first {cap} "
                                             f"are taken (max_urls_per_source)", self.run_id)))
            items = items[:cap]
        children = []
        for item in items:
            url = canonical_url(item.url)
            if url is None:
                events.append(("reject", _reject(item.url[:2000], "unsupported_scheme",
                                                 f"only http(s) URLs are followed; listed in {t.url}", self.run_id)))
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
                yield "reject", _reject(t.url, "too_deep", f"listed {t.depth} levels below a source ({t.via})",
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

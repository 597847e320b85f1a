"""The polite HTTP client of fetch: timeouts, redirects checked hop by hop, retries with backoff,
robots.txt, per-host limits and a size cap (see tasks.fetch.web for the whole list)."""
from __future__ import annotations

import threading
import time
import urllib.robotparser
import zlib
from urllib.parse import urlsplit

import httpx

from newsloom.config import Config
from tasks.fetch.web import (
    REDIRECT_STATUS,
    RETRY_STATUS,
    FetchError,
    Inflater,
    Response,
    TooLarge,
    _retry_after,
    canonical_url,
    origin,
    parse_content_type,
    private_address,
)


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

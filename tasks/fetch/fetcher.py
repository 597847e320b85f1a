"""The polite HTTP client of fetch: timeouts, redirects checked hop by hop, retries with backoff,
robots.txt, per-host limits and a size cap (see tasks.fetch.web for the whole list)."""
from __future__ import annotations

import threading
import time
import urllib.robotparser
import zlib
from urllib.parse import urlsplit

import httpcore
import httpx

from newsloom.config import Config
from tasks.fetch.web import (
    REDIRECT_STATUS,
    RETRY_STATUS,
    FetchError,
    Inflater,
    Response,
    TooLarge,
    canonical_url,
    non_public,
    origin,
    parse_content_type,
    resolve,
    retry_after,
)


class PinnedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting a host only to the addresses the private-address check saw.

    The check (``Fetcher.checked``) resolves a host once and pins what it checked; the connection then goes
    to a pinned address instead of resolving the name a second time, so a DNS answer that changes between
    the two (rebinding: a public address for the check, 127.0.0.1 for the connection) cannot turn the
    crawler inward.  Only the TCP connection is redirected: the URL, the Host header and the TLS server
    name stay the host's name.  A host with no pin (a URL the user gave, or ``allow_private``) is resolved
    here, once, with the same resolver."""

    def __init__(self, pins: dict[str, list[str]], resolver=resolve, connect=None):
        self.pins, self.resolver = pins, resolver
        self._connect = connect or super().connect_tcp

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = self.pins.get(host) or self.resolver(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        error = None
        for address in addresses:
            try:
                return self._connect(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error


class Fetcher:
    """A thread-safe polite HTTP client (one per run).  ``resolver`` and ``connect`` replace name resolution
    and the TCP connect (tests)."""

    def __init__(self, config: Config, resolver=resolve, connect=None):
        self.config = config
        self.resolver = resolver
        self._pins: dict[str, list[str]] = {}
        transport = httpx.HTTPTransport(
            limits=httpx.Limits(max_connections=config.concurrency * 2, max_keepalive_connections=config.concurrency))
        # httpx takes no network backend of its own; its pool does (httpcore.ConnectionPool._network_backend)
        if not hasattr(transport._pool, "_network_backend"):
            raise RuntimeError("this httpx/httpcore version has no network backend to pin addresses with")
        transport._pool._network_backend = PinnedBackend(self._pins, resolver, connect)
        self.client = httpx.Client(
            headers={"User-Agent": config.user_agent, "Accept-Encoding": "gzip, deflate",
                     "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"},
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
            follow_redirects=False, transport=transport,
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

    def checked(self, host: str) -> None:
        """Resolve ``host`` once, refuse it if any address is not public, and pin the addresses checked, so
        that the connection goes to one of them (PinnedBackend)."""
        addresses = self.resolver(host, None)
        if addr := non_public(addresses):
            raise FetchError("private_address", f"{host} resolves to the non-public address {addr}")
        if addresses:
            with self._lock:
                self._pins[host] = addresses

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
                            wait_s = retry_after(r.headers.get("retry-after"))
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
                self.checked(host)
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

"""A real HTTP server on 127.0.0.1 for the fetch tests: a fictional outlet with feeds, sitemaps and traps.

Every page and name is invented (the Harbor Ledger of the town of Wexmoor).  The server records
each request (path, headers) and the most requests it ever had in flight at once.
"""
from __future__ import annotations

import gzip
import io
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STORIES = {
    "harbour-dredging": ("Wexmoor votes to dredge the old harbour",
                         "The Wexmoor town council voted on Tuesday to dredge the old harbour before the autumn "
                         "storms. Councillor Mara Tennick said the work would take eleven weeks and cost less than "
                         "the repairs after last winter's flooding. \"We cannot keep paying for the same damage "
                         "every year,\" Tennick said. Fishermen on the east quay welcomed the vote."),
    "ferry-timetable": ("Island ferry adds a late sailing",
                        "The Brannock Island ferry will add a late sailing on Fridays from next month, the operator "
                        "Gullwing Lines announced. Its manager, Osric Pellow, told the Harbor Ledger that bookings "
                        "had doubled since the spring. \"The last boat was full every week,\" he said. The new "
                        "sailing leaves Wexmoor at half past ten in the evening."),
    "library-roof": ("Library roof repairs finished early",
                     "Repairs to the roof of the Wexmoor public library finished two weeks early, the county "
                     "buildings office said on Monday. Head librarian Ysolde Carrow said the reading room would "
                     "reopen on Saturday with a small exhibition of maps of the old harbour and the island."),
    "market-hall": ("Market hall gets new stalls",
                    "Twelve new stalls opened in the Wexmoor market hall this weekend, most of them run by growers "
                    "from the valley farms. The hall's warden, Piet Dunmore, said the waiting list for a stall was "
                    "now longer than it had been in a decade, and that a second trading day was under discussion."),
    "tide-gauge": ("New tide gauge installed on the east quay",
                   "Engineers from the county coastal office installed a new tide gauge on the east quay of "
                   "Wexmoor harbour on Thursday. Readings will be published every ten minutes on the council "
                   "website, said the office's engineer, Hale Brisco, who added that the old gauge had failed in "
                   "the January storms and had not been replaced until now."),
    "private-note": ("Not for crawlers", "This page is under a path that robots.txt disallows " * 5),
}

DATES = {"harbour-dredging": "Tue, 03 Mar 2026 09:00:00 GMT", "ferry-timetable": "Wed, 04 Mar 2026 10:30:00 GMT"}


def article_html(slug: str) -> bytes:
    title, text = STORIES[slug]
    body = "".join(f"<p>{s.strip()}.</p>" for s in text.split(". ") if s.strip())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title} | Harbor Ledger</title></head>"
            f"<body><nav><a href='/'>Home</a> <a href='/news/'>News</a></nav><article><h1>{title}</h1>{body}"
            f"</article><footer>Harbor Ledger, Wexmoor. Leave a Reply</footer></body></html>").encode()


class NewsServer:
    """Start with ``start()``, stop with ``stop()``; ``base`` is http://127.0.0.1:<port>."""

    def __init__(self, big_bytes: int = 400_000, slow_seconds: float = 3.0):
        self.requests: list[tuple[str, dict, float]] = []  # path, headers, time
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # most article pages being served at once
        self.counters: dict[str, int] = {}
        self.big_bytes, self.slow_seconds = big_bytes, slow_seconds
        self.feed_etag = '"rss-v1"'
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # clients that hang up on a bomb are expected
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "NewsServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        with self.lock:
            return [r[0] for r in self.requests]

    # -- content
    def rss(self) -> bytes:
        items = "".join(
            f"<item><title>{STORIES[s][0]}</title><link>{self.base}/news/{s}.html?utm_source=rss&amp;utm_medium=feed"
            f"</link><pubDate>{DATES[s]}</pubDate></item>" for s in ("harbour-dredging", "ferry-timetable"))
        return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Harbor Ledger</title>"
                f"<link>{self.base}/</link>{items}</channel></rss>").encode()

    def atom(self) -> bytes:
        return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                f"<title>Harbor Ledger culture</title><id>urn:harbor-ledger:culture</id>"
                f"<updated>2026-03-05T08:00:00Z</updated><entry><title>{STORIES['library-roof'][0]}</title>"
                f"<id>urn:harbor-ledger:library-roof</id><link href='{self.base}/news/library-roof.html'/>"
                f"<updated>2026-03-05T08:00:00Z</updated></entry></feed>").encode()

    def sitemap_index(self) -> bytes:
        return (f"<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                f"<sitemap><loc>{self.base}/sitemaps/news.xml</loc></sitemap>"
                f"<sitemap><loc>{self.base}/sitemaps/archive.xml.gz</loc></sitemap></sitemapindex>").encode()

    def news_sitemap(self) -> bytes:
        return (f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
                f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'><url><loc>{self.base}/news/market-hall.html"
                f"</loc><news:news><news:publication><news:name>Harbor Ledger</news:name><news:language>en"
                f"</news:language></news:publication><news:publication_date>2026-03-07T06:15:00+00:00"
                f"</news:publication_date><news:title>Market hall</news:title></news:news></url>"
                f"<url><loc>{self.base}/private/private-note.html</loc></url></urlset>").encode()

    def archive_sitemap(self) -> bytes:
        xml = (f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
               f"<url><loc>{self.base}/news/tide-gauge.html</loc><lastmod>2026-02-12</lastmod></url>"
               f"<url><loc>mailto:desk@harbor-ledger.example</loc></url>"
               f"<url><loc>http://[harbor-ledger/desk</loc></url></urlset>").encode()  # an address that does not parse
        return gzip.compress(xml)

    def _handler(self):
        srv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
                     headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):  # noqa: N802
                with srv.lock:
                    srv.requests.append((self.path, dict(self.headers), time.monotonic()))
                    n = srv.counters[self.path] = srv.counters.get(self.path, 0) + 1
                self.route(self.path.split("?")[0], n)

            def route(self, path: str, n: int):
                if path == "/robots.txt":
                    return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
                if path.startswith(("/news/", "/private/")) and path.endswith(".html"):
                    slug = path.rsplit("/", 1)[1][:-5]
                    if slug in STORIES:
                        with srv.lock:
                            srv.in_flight += 1
                            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
                        time.sleep(0.3)  # long enough for requests to overlap
                        with srv.lock:
                            srv.in_flight -= 1
                        return self.send(200, article_html(slug))
                if path == "/feeds/rss.xml":
                    if self.headers.get("If-None-Match") == srv.feed_etag:
                        return self.send(304, b"", headers={"ETag": srv.feed_etag})
                    return self.send(200, srv.rss(), "application/rss+xml",
                                     {"ETag": srv.feed_etag,
                                      "Last-Modified": format_datetime(datetime(2026, 3, 4, tzinfo=timezone.utc), True)})
                if path == "/feeds/atom.xml":
                    return self.send(200, srv.atom(), "application/atom+xml")
                if path == "/sitemaps/index.xml":
                    return self.send(200, srv.sitemap_index(), "application/xml")
                if path == "/sitemaps/news.xml":
                    return self.send(200, srv.news_sitemap(), "application/xml")
                if path == "/sitemaps/archive.xml.gz":
                    return self.send(200, srv.archive_sitemap(), "application/gzip")
                if path == "/feeds/broken.xml":
                    return self.send(200, b"<?xml version='1.0'?><rss><channel><item><link>", "application/rss+xml")
                if path == "/feeds/laughs.xml":
                    lol = (b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
                           b"<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>]>"
                           b"<urlset><url><loc>&lol2;</loc></url></urlset>")
                    return self.send(200, lol, "application/xml")
                if path == "/flaky.html":  # a 500, then the page
                    if n == 1:
                        return self.send(500, b"try again")
                    return self.send(200, article_html("harbour-dredging"))
                if path == "/busy.html":  # a 429 with Retry-After, then the page
                    if n == 1:
                        return self.send(429, b"slow down", headers={"Retry-After": "1"})
                    return self.send(200, article_html("ferry-timetable"))
                if path == "/slow.html":
                    time.sleep(srv.slow_seconds)
                    return self.send(200, article_html("library-roof"))
                if path == "/loop-a":
                    return self.send(302, b"", headers={"Location": "/loop-b"})
                if path == "/loop-b":
                    return self.send(302, b"", headers={"Location": "/loop-a"})
                if path == "/moved.html":
                    return self.send(301, b"", headers={"Location": "/news/market-hall.html"})
                if path == "/big.html":
                    return self.send(200, b"<p>" + b"word " * (srv.big_bytes // 5) + b"</p>")
                if path == "/bomb.html":  # 50 MB of zeros in about 50 kB, sent as Content-Encoding: gzip
                    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
                    return self.send(200, bomb, "text/html", {"Content-Encoding": "gzip"})
                if path == "/logo.png":
                    return self.send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
                if path == "/windows-1252.html":
                    text = ("<html><body><article><p>The caf\xe9 on the quay served its last cr\xeape of the season "
                            "on Sunday, and the owner, Lise Marrow, thanked the town for thirty years of "
                            "custom in a short speech at the door.</p></article></body></html>")
                    return self.send(200, text.encode("cp1252"), "text/html; charset=windows-1252")
                return self.send(404, b"not here")

        return Handler


def write_warc(path, gz: bool):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gz)

        def response(url, status, ctype, body, extra=None):
            headers = StatusAndHeaders(status, [("Content-Type", ctype), *(extra or [])], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))

        w.write_record(w.create_warcinfo_record(path.name, {"software": "newsloom tests"}))
        response("https://harbor-ledger.example/news/ferry-timetable.html?utm_source=x", "200 OK",
                 "text/html; charset=utf-8", article_html("ferry-timetable"))
        response("https://harbor-ledger.example/notes.txt", "200 OK", "text/plain; charset=iso-8859-1",
                 "Notes from the caf\xe9 on the quay.".encode("latin-1"))
        response("https://harbor-ledger.example/gone.html", "404 Not Found", "text/html", b"gone")
        response("https://harbor-ledger.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n")
        w.write_record(w.create_warc_record("https://harbor-ledger.example/news/ferry-timetable.html", "request",
                                            payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))

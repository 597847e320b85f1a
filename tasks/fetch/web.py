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
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsloom.domains import resolved

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain"}
XML_TYPES = {"application/xml", "text/xml", "application/rss+xml", "application/atom+xml",
             "application/rdf+xml", "application/x-rss+xml"}
GZIP_TYPES = {"application/gzip", "application/x-gzip"}
RETRY_STATUS = {429, 500, 502, 503, 504}
REDIRECT_STATUS = {301, 302, 303, 307, 308}
# not language: query parameters that only track the reader; dropped before the seen check
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
    try:
        parts = urlsplit((resolved(base, url) or "") if base else url)
        port = parts.port
    except ValueError:  # "http://[desk/": an address that does not parse
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


def resolve(host: str, port: int | None = None) -> list[str]:
    """The addresses ``host`` resolves to (an IP literal is its own address); [] when it does not resolve."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))


def non_public(addresses: list[str]) -> str | None:
    """The first private, loopback, link-local or otherwise non-public address among ``addresses``."""
    for text in addresses:
        a = ipaddress.ip_address(text)
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
    from tasks.common.dates import parse_any

    try:
        return parse_any(str(value))
    except Exception:  # noqa: BLE001 - a bad date in a feed is just no date
        return None


@dataclass(frozen=True)
class Item:
    url: str
    listed_at: datetime | None = None
    is_sitemap: bool = False


def url_refusal(url: str) -> tuple[str, str]:
    """(reason, detail) of a listed or given URL that ``canonical_url`` refuses."""
    if re.match(r"https?://", url.strip(), re.I):  # not language: the schemes we fetch
        return "invalid_url", "the address does not parse as an http(s) URL"
    return "unsupported_scheme", "only http(s) URLs are fetched"


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
            # a link that does not parse stays as written: canonical_url refuses it, and it becomes a rejects row
            items.append(Item(resolved(base, link) or link, _parse_date(when)))
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
            items.append(Item(resolved(base, loc) or loc, _parse_date(when), is_sitemap=index))  # as in parse_feed
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


def retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return None

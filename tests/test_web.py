"""fetch from the web: a real HTTP server on 127.0.0.1 serving a fictional outlet, its feeds, sitemaps and traps."""
from __future__ import annotations

import gzip
from collections import Counter
from datetime import datetime, timezone

import pandas as pd
import pytest
from conftest import fetch_all
from newsserver import STORIES, NewsServer, write_warc

from newsloom.config import ConfigError, make_config
from newsloom.preflight import run_config
from newsloom.sources import expand_sources
from tasks.fetch import FetchState, iter_fetched, url_list
from tasks.fetch.web import (
    FetchError,
    Inflater,
    TooLarge,
    canonical_url,
    non_public,
    parse_feed,
    parse_sitemap,
    resolve,
)

ARTICLES = ["harbour-dredging", "ferry-timetable", "library-roof", "market-hall", "tide-gauge"]


@pytest.fixture()
def server():
    srv = NewsServer().start()
    yield srv
    srv.stop()


def web_config(tmp_path, sources, **kw):
    settings = dict(allow_private=True, read_timeout=1.0, connect_timeout=2.0, backoff=0.05, max_bytes=200_000)
    settings.update(kw)
    return make_config(sources=sources, out=str(tmp_path / "out"), **settings)


def run_fetch(config, state=None):
    counts = Counter()
    events = list(iter_fetched(expand_sources(config.sources), config, "r1", state or FetchState(), counts))
    docs = {row["source"]: row for kind, row in events if kind == "doc"}
    rejects = {row["source"]: row for kind, row in events if kind == "reject"}
    feeds = {row["url"]: row for kind, row in events if kind == "feed"}
    other = Counter(kind for kind, _ in events if kind not in ("doc", "reject", "feed"))
    return docs, rejects, feeds, other, counts


# ---- pure parts ----------------------------------------------------------------------------------------------
def test_urls_are_canonicalised_before_the_seen_check():
    assert canonical_url("HTTPS://News.Example.org:443/a/b?utm_source=x&id=3&fbclid=9#comments") == \
        "https://news.example.org/a/b?id=3"
    assert canonical_url("http://example.org:80") == "http://example.org/"
    assert canonical_url("/story?page=2&gclid=1", "http://example.org/news/") == "http://example.org/story?page=2"
    assert canonical_url("ftp://example.org/x") is None
    assert canonical_url("javascript:alert(1)") is None
    assert canonical_url("mailto:desk@example.org") is None
    assert canonical_url("http://[harbor/desk", "https://harbor.example/feed") is None  # does not parse: no crash


def test_private_loopback_and_link_local_addresses_are_recognised():
    for addr in ("127.0.0.1", "10.2.3.4", "192.168.1.9", "169.254.169.254", "::1", "0.0.0.0", "[fe80::1]"):
        assert non_public(resolve(addr)), addr
    assert non_public(resolve("localhost"))
    assert non_public(resolve("93.184.215.14")) is None


def test_a_text_file_of_urls_is_a_url_list_and_prose_is_not():
    assert url_list(b"# morning feeds\nhttps://a.example/feed.xml\n\nhttp://b.example/story.html\n") == \
        (["https://a.example/feed.xml", "http://b.example/story.html"], [])
    assert url_list(b"The council met on Tuesday. See https://a.example for details.\n") is None
    assert url_list(b"https://a.example/x\nnot a url\n", forced=True) == (["https://a.example/x"], ["not a url"])


def test_xml_entity_declarations_are_refused():
    laughs = (b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;'>]>"
              b"<urlset><url><loc>&lol2;</loc></url></urlset>")
    for parse in (parse_sitemap, parse_feed):
        with pytest.raises(FetchError) as exc:
            parse(laughs, "http://example.org/")
        assert exc.value.reason == "invalid_feed"


def test_decompression_stops_at_the_cap():
    bomb = gzip.compress(b"\0" * 20_000_000)
    inf = Inflater(1_000_000)
    with pytest.raises(TooLarge):
        inf.feed(bomb)
    assert len(inf.out) <= 1_000_001


def test_sitemap_index_news_sitemap_and_feed_dates_are_read():
    srv = NewsServer()  # only its documents, no socket needed
    news = parse_sitemap(srv.news_sitemap(), srv.base)
    assert news[0].url.endswith("/news/market-hall.html")
    assert news[0].listed_at == datetime(2026, 3, 7, 6, 15, tzinfo=timezone.utc)
    index = parse_sitemap(srv.sitemap_index(), srv.base)
    assert all(i.is_sitemap for i in index) and len(index) == 2
    rss = parse_feed(srv.rss(), srv.base)
    assert [i.listed_at.day for i in rss] == [3, 4]
    srv.server.server_close()


# ---- the fetch stage against the server ------------------------------------------------------------------------
def test_feeds_sitemaps_and_every_failure_of_the_web(tmp_path, server):
    b = server.base
    traps = ["missing.html", "flaky.html", "busy.html", "slow.html", "loop-a", "moved.html", "big.html", "bomb.html",
             "logo.png", "private/private-note.html", "feeds/broken.xml", "feeds/laughs.xml", "windows-1252.html"]
    sources = [f"{b}/feeds/rss.xml", f"{b}/feeds/atom.xml", f"{b}/sitemaps/index.xml"] + [f"{b}/{t}" for t in traps]
    docs, rejects, feeds, _, counts = run_fetch(web_config(tmp_path, sources))

    # every article the feeds and sitemaps list, once, under its canonical URL (no utm_ parameters)
    for slug in ARTICLES:
        assert f"{b}/news/{slug}.html" in docs, slug
    assert set(feeds) == {f"{b}/feeds/rss.xml", f"{b}/feeds/atom.xml", f"{b}/sitemaps/index.xml",
                          f"{b}/sitemaps/news.xml", f"{b}/sitemaps/archive.xml.gz"}
    assert feeds[f"{b}/feeds/rss.xml"]["etag"] == '"rss-v1"' and feeds[f"{b}/feeds/rss.xml"]["n_items"] == 2
    dredging = docs[f"{b}/news/harbour-dredging.html"]
    assert dredging["listed_at"] == datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
    assert dredging["via"] == f"{b}/feeds/rss.xml" and dredging["http_status"] == 200
    assert STORIES["harbour-dredging"][0].encode() in dredging["content"]
    assert docs[f"{b}/news/tide-gauge.html"]["via"] == f"{b}/sitemaps/archive.xml.gz"  # gzip sitemap read

    # retries: a 500 and a 429 with Retry-After, then the page
    assert f"{b}/flaky.html" in docs and server.counters["/flaky.html"] == 2
    assert f"{b}/busy.html" in docs
    busy = [t for p, _, t in server.requests if p == "/busy.html"]
    assert busy[1] - busy[0] >= 0.95  # Retry-After: 1 honoured
    # a redirect is followed; the document keeps the listed URL and records where it ended
    assert docs[f"{b}/moved.html"]["url"] == f"{b}/news/market-hall.html"
    # the charset comes from the header
    assert docs[f"{b}/windows-1252.html"]["charset"] == "windows-1252"

    expected = {"missing.html": "http_error", "slow.html": "timeout", "loop-a": "redirect_loop",
                "big.html": "too_large", "bomb.html": "too_large", "logo.png": "unsupported_type",
                "private/private-note.html": "robots_disallowed", "feeds/broken.xml": "invalid_feed",
                "feeds/laughs.xml": "invalid_feed"}
    for path, reason in expected.items():
        assert rejects[f"{b}/{path}"]["reason"] == reason, (path, rejects[f"{b}/{path}"])
        assert rejects[f"{b}/{path}"]["stage"] == "fetch"
    assert rejects[f"{b}/missing.html"]["detail"] == "HTTP 404"
    assert rejects["mailto:desk@harbor-ledger.example"]["reason"] == "unsupported_scheme"
    # an address that does not parse is a rejects row of its own; the rest of its sitemap is read (tide-gauge)
    assert rejects["http://[harbor-ledger/desk"]["reason"] == "invalid_url"
    # the robots-disallowed page (listed in the news sitemap too) was never requested
    assert not any(p.startswith("/private/") for p in server.paths())
    # politeness: one robots.txt, our User-Agent, at most 2 requests at once to the host
    assert server.paths().count("/robots.txt") == 1
    assert all("newsloom" in h.get("User-Agent", "") for _, h, _ in server.requests)
    assert server.max_in_flight <= 2
    assert counts["http_requests"] >= len(docs) and counts["http_bytes"] > 0


def test_urls_found_in_feeds_may_not_point_at_private_addresses(tmp_path, server):
    b = server.base
    docs, rejects, feeds, _, _ = run_fetch(web_config(tmp_path, [f"{b}/feeds/rss.xml"], allow_private=False))
    assert f"{b}/feeds/rss.xml" in feeds  # the feed itself was given by the user
    assert not docs
    for slug in ("harbour-dredging", "ferry-timetable"):
        assert rejects[f"{b}/news/{slug}.html"]["reason"] == "private_address"
    assert not any(p.startswith("/news/") for p in server.paths())


def test_second_poll_uses_conditional_get_and_skips_seen_urls(tmp_path, server):
    b = server.base
    config = web_config(tmp_path, [f"{b}/feeds/rss.xml"])
    docs, _, feeds, _, _ = run_fetch(config)
    assert len(docs) == 2
    state = FetchState(seen_urls=set(docs), feeds={u: {**r} for u, r in feeds.items()})
    docs2, rejects2, feeds2, _, _ = run_fetch(config, state)
    assert not docs2 and not rejects2
    assert feeds2[f"{b}/feeds/rss.xml"]["http_status"] == 304
    last = [h for p, h, _ in server.requests if p == "/feeds/rss.xml"][-1]
    assert last.get("If-None-Match") == '"rss-v1"'
    # a changed feed (new ETag) is read again, but its known URLs are still not refetched
    server.feed_etag = '"rss-v2"'
    n_pages = sum(p.startswith("/news/") for p in server.paths())
    docs3, _, feeds3, other, _ = run_fetch(config, state)
    assert not docs3 and other["seen"] == 2 and feeds3[f"{b}/feeds/rss.xml"]["http_status"] == 200
    assert sum(p.startswith("/news/") for p in server.paths()) == n_pages
    # --refetch fetches them again
    docs4, _, _, _, _ = run_fetch(config.model_copy(update={"refetch": True}), state)
    assert len(docs4) == 2


def test_a_schedule_hint_skips_a_feed_polled_recently(tmp_path, server):
    b = server.base
    yaml_file = tmp_path / "sources.yaml"
    yaml_file.write_text(f"sources:\n  - name: Harbor Ledger\n    url: {b}/feeds/rss.xml\n    kind: feed\n"
                         f"    every: 6h\n")
    config = web_config(tmp_path, [str(yaml_file)])
    _, _, feeds, _, _ = run_fetch(config)
    state = FetchState(feeds=feeds)
    n = server.paths().count("/feeds/rss.xml")
    docs, _, feeds2, other, _ = run_fetch(config, state)
    assert other["not_due"] == 1 and not feeds2 and server.paths().count("/feeds/rss.xml") == n


def test_a_page_given_as_a_feed_is_an_invalid_feed(tmp_path, server):
    yaml_file = tmp_path / "sources.yaml"
    yaml_file.write_text(f"- url: {server.base}/news/market-hall.html\n  kind: feed\n")
    _, rejects, _, _, _ = run_fetch(web_config(tmp_path, [str(yaml_file)]))
    assert rejects[f"{server.base}/news/market-hall.html"]["reason"] == "invalid_feed"


def test_sources_file_errors_fail_before_any_work(tmp_path):
    bad = {
        "kind": "- url: https://a.example/feed\n  kind: podcast\n",
        "scheme": "- url: ftp://a.example/feed\n",
        "both": "- url: https://a.example/feed\n  path: data/raw\n",
        "every": "- url: https://a.example/feed\n  every: fortnightly\n",
        "missing": "- path: no/such/folder\n",
        "keys": "- url: https://a.example/feed\n  schedule: 1h\n",
    }
    for name, text in bad.items():
        f = tmp_path / f"{name}.yaml"
        f.write_text(text)
        with pytest.raises(ConfigError):
            run_config(sources=[str(f)], out=str(tmp_path / "out"))
    with pytest.raises(ConfigError, match="only http.s. URLs and object-store URLs"):
        run_config(sources=["file:///etc/passwd"], out=str(tmp_path / "out"))


def test_a_url_list_file_is_fetched(tmp_path, server):
    raw = tmp_path / "in"
    raw.mkdir()
    (raw / "urls.txt").write_text(f"# desk list\n{server.base}/news/market-hall.html\n{server.base}/feeds/atom.xml\n")
    config = web_config(tmp_path, [str(raw)])
    docs, rejects, n_seen = fetch_all(config, "r1")
    assert sorted(docs.column("source").to_pylist()) == [f"{server.base}/news/library-roof.html",
                                                          f"{server.base}/news/market-hall.html"]
    assert rejects.num_rows == 0
    assert set(docs.column("via").to_pylist()) == {"urls.txt", f"{server.base}/feeds/atom.xml"}


# ---- WARC ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_a_warc_archive_gives_one_document_per_archived_page(tmp_path, name, config):
    raw = tmp_path / "in"
    write_warc(raw / name, gz=name.endswith(".gz"))
    docs, rejects, _ = fetch_all(config, "r1")
    by_source = {r["source"]: r for r in docs.to_pylist()}
    page = by_source["https://harbor-ledger.example/news/ferry-timetable.html"]
    assert page["media_type"] == "text/html" and page["http_status"] == 200 and page["via"] == name
    assert STORIES["ferry-timetable"][0].encode() in page["content"]
    assert by_source["https://harbor-ledger.example/notes.txt"]["charset"] == "iso-8859-1"
    reasons = dict(zip(rejects.column("source").to_pylist(), rejects.column("reason").to_pylist()))
    assert reasons == {"https://harbor-ledger.example/gone.html": "http_error",
                       "https://harbor-ledger.example/logo.png": "unsupported_type"}
    # a rerun with what was seen takes nothing twice
    seen = {(r["source"], r["doc_id"]) for r in docs.to_pylist()}
    docs2, _, n_seen = fetch_all(config, "r2", seen)
    assert docs2.num_rows == 0 and n_seen == 2


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
@pytest.mark.parametrize("cut", [0.3, 0.45, 0.6, 0.75, 0.9])
def test_a_damaged_warc_is_a_reject_not_a_crash(tmp_path, config, name, cut):
    raw = tmp_path / "in"
    write_warc(raw / name, gz=name.endswith(".gz"))
    data = (raw / name).read_bytes()
    (raw / name).write_bytes(data[: int(len(data) * cut)] + b"\x00garbage" * 10)
    docs, rejects, _ = fetch_all(config, "r1")
    assert "decode_error" in rejects.column("reason").to_pylist()
    # what was read before the damage is kept
    for row in docs.to_pylist():
        assert row["content"] and row["source"].startswith("https://harbor-ledger.example/")


# ---- the whole flow on a feed ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_flow_on_feeds_ingests_every_article_once(tmp_path, server, prefect_harness):
    from flows.pipeline import news_pipeline

    b = server.base
    out = tmp_path / "out"
    sources = [f"{b}/feeds/rss.xml", f"{b}/feeds/atom.xml", f"{b}/sitemaps/index.xml"]
    settings = {"allow_private": True}
    first = news_pipeline(sources=sources, out=str(out), settings=settings)
    articles = pd.read_parquet(out / "articles")
    assert sorted(articles["url"]) == sorted(f"{b}/news/{s}.html" for s in ARTICLES)
    dredging = articles.set_index("url").loc[f"{b}/news/harbour-dredging.html"]
    assert dredging["published_at"] == pd.Timestamp("2026-03-03 09:00", tz="UTC")
    assert dredging["title"] == STORIES["harbour-dredging"][0]
    assert "Leave a Reply" not in dredging["text"]
    quotes = pd.read_parquet(out / "quotes")
    assert "Mara Tennick" in set(quotes["speaker"])
    assert first["fetch"]["feeds_polled"] == 5 and first["fetch"]["http_requests"] > 0
    rows = {t: len(pd.read_parquet(out / t)) for t in ("documents", "articles", "mentions", "quotes", "rejects")}

    n_pages = sum(p.startswith("/news/") for p in server.paths())
    second = news_pipeline(sources=sources, out=str(out), settings=settings)
    assert second["n_documents"] == 0 and second["n_articles"] == 0
    assert {t: len(pd.read_parquet(out / t)) for t in rows} == rows
    assert sum(p.startswith("/news/") for p in server.paths()) == n_pages  # no page requested again
    assert second["fetch"]["feeds_not_modified"] >= 1  # the RSS feed answered 304


@pytest.mark.slow
def test_cli_runs_on_a_feed_url(tmp_path, server):
    import subprocess
    import sys

    from conftest import ROOT

    out = tmp_path / "tables"
    cmd = [sys.executable, "-m", "newsloom.interfaces.cli", "run", f"{server.base}/feeds/rss.xml", "--out", str(out),
           "--set", "allow_private=true", "--set", "per_host=1"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "web: " in r.stdout and "feeds/sitemaps polled" in r.stdout
    assert len(pd.read_parquet(out / "articles")) == 2
    bad = subprocess.run([*cmd[:-4], "--set", "no_such_setting=1"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert bad.returncode == 2 and "no_such_setting" in bad.stderr


# ---- DNS rebinding -------------------------------------------------------------------------------------------
def rebinding(first: str, then: str):
    """A resolver that answers ``first`` for the first look-up of a name and ``then`` for every later one (the
    way a hostile DNS server answers a public address to the check and 127.0.0.1 to the connection), and a
    connect that records where it was asked to go; it connects only on loopback, so no traffic leaves."""
    import httpcore

    looked_up, connected = [], []

    def resolver(host, port):
        looked_up.append(host)
        return [first] if len(looked_up) == 1 else [then]

    def connect(address, port, timeout=None, local_address=None, socket_options=None):
        connected.append(address)
        if address != "127.0.0.1":
            raise httpcore.ConnectError(f"test: no connection to {address} leaves this machine")
        return httpcore.SyncBackend().connect_tcp(address, port, timeout, local_address, socket_options)

    return resolver, connect, looked_up, connected


def test_a_rebinding_name_is_connected_only_to_the_address_that_was_checked(tmp_path, server):
    from tasks.fetch.fetcher import Fetcher

    resolver, connect, looked_up, connected = rebinding("93.184.215.14", "127.0.0.1")
    (tmp_path / "in").mkdir()
    config = web_config(tmp_path, [str(tmp_path / "in")], allow_private=False, respect_robots=False, retries=0)
    fetcher = Fetcher(config, resolver=resolver, connect=connect)
    port = server.base.rsplit(":", 1)[1]
    try:
        with pytest.raises(FetchError) as err:  # an untrusted URL, as a feed would list it
            fetcher.get(f"http://rebind.example:{port}/news/market-hall.html")
    finally:
        fetcher.close()
    assert err.value.reason == "connect_error"
    assert looked_up == ["rebind.example"]  # resolved once, by the check
    assert connected == ["93.184.215.14"]  # and connected to what the check saw, never to 127.0.0.1
    assert server.paths() == []


def test_a_name_that_resolves_inward_is_refused_and_a_trusted_one_still_works(tmp_path, server):
    from tasks.fetch.fetcher import Fetcher

    resolver, connect, _, connected = rebinding("127.0.0.1", "127.0.0.1")
    (tmp_path / "in").mkdir()
    config = web_config(tmp_path, [str(tmp_path / "in")], allow_private=False, respect_robots=False, retries=0)
    fetcher = Fetcher(config, resolver=resolver, connect=connect)
    url = f"http://inward.example:{server.base.rsplit(':', 1)[1]}/news/market-hall.html"
    try:
        with pytest.raises(FetchError) as err:
            fetcher.get(url)
        assert err.value.reason == "private_address" and connected == []
        r = fetcher.get(url, trusted=True)  # the user's own URL may be on their own network
    finally:
        fetcher.close()
    assert r.status == 200 and connected == ["127.0.0.1"]
    assert server.paths() == ["/news/market-hall.html"]
    assert server.requests[0][1]["Host"].startswith("inward.example")  # the Host header keeps the name

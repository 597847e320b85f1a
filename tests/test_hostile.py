"""Hostile local input: every case becomes a rejects row with a clear reason, and the run completes."""
import gzip
import json
import os

import pandas as pd
import pytest

STORY = ("The ferry between Brennick and the island of Tarrow will run again on Monday after a week of repairs "
         "to the landing stage, the harbour office said. Captain Ilse Dorn said the crossing would take "
         "forty minutes as before. ")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, prefect_harness):
    from flows.pipeline import news_pipeline

    raw = tmp_path_factory.mktemp("hostile")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "blank.html").write_text("  \n\t \n")
    (raw / "random.html").write_bytes(os.urandom(4000))
    (raw / "latin1.txt").write_bytes(("Brennick ferry resumes\n\n" + STORY.replace("Tarrow", "Tårrow") +
                                      "Café owners on the quay welcomed the news.").encode("latin-1"))
    (raw / "truncated.html").write_text("<html><head><title>Ferry back</title></head><body><article><p>"
                                        + STORY * 2 + "</p><p>The rest of the page was cut off in the mid")
    (raw / "deep.html").write_text("<html><body>" + "<div>" * 20000 + "<p>" + STORY + "</p>" + "</div>" * 20000
                                   + "</body></html>")
    with open(raw / "huge.txt", "wb") as fh:  # 60 MB: over the 10 MB cap, rejected without being read
        fh.truncate(60_000_000)
    with gzip.open(raw / "bomb.txt.gz", "wb", compresslevel=9) as fh:
        for _ in range(12):
            fh.write(b"\0" * 1_000_000)
    # addresses that do not parse (urllib raises on "http://[..."): in the page's own markup, and in a record
    (raw / "odd_urls.html").write_text(
        '<html><head><title>Tarrow ferry back</title><link rel="canonical" href="http://[brennick/ferry">'
        '</head><body><article><h1>Tarrow ferry back</h1><p>By <a href="http://[brennick/author/ilse-dorn">'
        f'Ilse Dorn</a></p><p>{STORY * 2}</p></article></body></html>')
    (raw / "lines.jsonl").write_text("\n".join([
        "{this is not json", json.dumps({"id": "no-text", "title": "x"}),
        json.dumps({"id": "ok", "text": STORY * 2}),
        json.dumps({"id": "odd-url", "text": STORY * 2, "url": "http://[brennick/ferry"}),
        json.dumps({"id": "number-title", "text": STORY * 2, "title": 2026, "url": ["not", "a", "url"]})]) + "\n")
    (raw / "gone.txt").symlink_to(raw / "does-not-exist.txt")  # a file that cannot be read
    (raw / "slides.pptx").write_bytes(b"PK\x03\x04")
    out = tmp_path_factory.mktemp("hostile-out")
    summary = news_pipeline(sources=[str(raw)], out=str(out))
    return out, summary


def test_each_case_is_a_reject_with_its_reason(hostile_run):
    out, summary = hostile_run
    rejects = pd.read_parquet(out / "rejects")
    got = dict(zip(rejects.source, rejects.reason))
    assert got == {
        "empty.txt": "empty_text",
        "blank.html": "empty_text",
        "random.html": "binary_content",
        "deep.html": "empty_text",
        "huge.txt": "too_large",
        "bomb.txt.gz": "too_large",
        "lines.jsonl#L1": "invalid_json",
        "lines.jsonl#L2": "missing_text",
        "lines.jsonl#L5": "invalid_field",
        "gone.txt": "read_error",
        "slides.pptx": "unsupported_type",
    }
    assert rejects.detail.notna().all()
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.status.tolist() == ["completed"]


def test_good_inputs_land(hostile_run):
    out, _ = hostile_run
    articles = pd.read_parquet(out / "articles")
    assert set(articles.source) == {"latin1.txt", "truncated.html", "lines.jsonl#ok", "odd_urls.html",
                                    "lines.jsonl#odd-url"}
    odd = articles.set_index("source").loc["odd_urls.html"]
    assert odd.author == "Ilse Dorn" and "Captain Ilse Dorn said" in odd.text
    latin = articles.set_index("source").loc["latin1.txt"]
    assert "Tårrow" in latin.text and "Café owners" in latin.text
    assert latin.title == "Brennick ferry resumes"

import gzip
import json

from conftest import fetch_all

from tasks.fetch import discover_inputs


def reasons(rejects):
    return dict(zip(rejects.column("source").to_pylist(), rejects.column("reason").to_pylist()))


def test_files_are_read_and_odd_ones_rejected(tmp_path, config):
    raw = tmp_path / "in"
    (raw / "sub").mkdir()
    (raw / "a.html").write_text("<html><body><p>Hello</p></body></html>")
    (raw / "sub" / "b.txt").write_text("Plain text story.")
    (raw / "c.pdf").write_bytes(b"%PDF-1.4")
    (raw / ".hidden.txt").write_text("ignored")
    with gzip.open(raw / "d.txt.gz", "wb") as fh:
        fh.write(b"Compressed story text.")
    inputs = discover_inputs([str(raw)])
    assert [i.source for i in inputs] == ["a.html", "c.pdf", "d.txt.gz", "sub/b.txt"]
    docs, rejects, n_seen = fetch_all(config, "run1")
    assert sorted(docs.column("source").to_pylist()) == ["a.html", "d.txt.gz", "sub/b.txt"]
    media = dict(zip(docs.column("source").to_pylist(), docs.column("media_type").to_pylist()))
    assert media == {"a.html": "text/html", "d.txt.gz": "text/plain", "sub/b.txt": "text/plain"}
    content = dict(zip(docs.column("source").to_pylist(), docs.column("content").to_pylist()))
    assert content["d.txt.gz"] == b"Compressed story text."
    assert reasons(rejects) == {"c.pdf": "unsupported_type"}
    assert docs.column("http_status").null_count == docs.num_rows
    # a second pass with the seen set skips everything already read
    seen = set(zip(docs.column("source").to_pylist(), docs.column("doc_id").to_pylist()))
    docs2, _, n_seen = fetch_all(config, "run2", seen)
    assert docs2.num_rows == 0 and n_seen == 3


def test_jsonl_lines_are_documents_and_bad_lines_rejects(tmp_path, config):
    f = tmp_path / "in" / "feed.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "a1", "text": "First article."}),
        "{not json",
        json.dumps({"id": "a3", "title": "no text here"}),
        json.dumps({"text": "No id, so the line number names it."}),
        "",
    ]))
    docs, rejects, _ = fetch_all(config, "r")
    assert docs.column("source").to_pylist() == ["feed.jsonl#a1", "feed.jsonl#L4"]
    assert reasons(rejects) == {"feed.jsonl#L2": "invalid_json", "feed.jsonl#L3": "missing_text"}


def test_size_cap_applies_after_decompression(tmp_path):
    from newsloom.config import make_config

    raw = tmp_path / "in"
    raw.mkdir()
    with gzip.open(raw / "bomb.txt.gz", "wb") as fh:
        fh.write(b"a" * 5_000_000)  # 5 MB of text, a few KB compressed
    (raw / "big.txt").write_bytes(b"b" * 3000)
    cfg = make_config(sources=[str(raw)], out=str(tmp_path / "out"), max_bytes=2000)
    docs, rejects, _ = fetch_all(cfg, "r")
    assert docs.num_rows == 0
    assert reasons(rejects) == {"bomb.txt.gz": "too_large", "big.txt": "too_large"}

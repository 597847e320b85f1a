from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from newsloom import schemas
from newsloom.lease import LockedError
from newsloom.storage import Store


def rejects(source, run_id):
    return schemas.from_rows([{"source": source, "stage": "fetch", "reason": "unsupported_type", "run_id": run_id}],
                             schemas.REJECTS)


def test_staged_parts_are_invisible_until_commit(tmp_path):
    store = Store(tmp_path)
    store.stage_part("r1", "rejects", rejects("a.pdf", "r1"), "p0")
    assert store.read_table("rejects").num_rows == 0
    assert not (tmp_path / "rejects").exists()
    store.commit("r1", {"started_at": "2026-01-01T00:00:00+00:00"})
    assert pd.read_parquet(tmp_path / "rejects")["source"].tolist() == ["a.pdf"]
    assert store.manifests()[0]["files"] == ["rejects/part-r1-p0.parquet"]
    assert not (tmp_path / "_staging" / "r1").exists()


def test_recover_discards_uncommitted_and_completes_committing(tmp_path):
    store = Store(tmp_path)
    store.stage_part("crashed", "rejects", rejects("lost.pdf", "crashed"), "p0")
    store.stage_part("half", "rejects", rejects("kept.pdf", "half"), "p0")
    # "half" wrote its intent to commit, then died before moving its parts
    import json
    (Path(store.staging_dir("half")) / "_commit.json").write_text(json.dumps(
        {"run_id": "half", "files": ["rejects/part-half-p0.parquet"], "summary": {"started_at": "x"}}))
    actions = store.recover()
    assert len(actions) == 2
    assert pd.read_parquet(tmp_path / "rejects")["source"].tolist() == ["kept.pdf"]
    assert [m["run_id"] for m in store.manifests()] == ["half"]
    assert not (tmp_path / "_staging" / "crashed").exists()


def test_second_writer_gets_a_clear_message(tmp_path):
    a, b = Store(tmp_path), Store(tmp_path)
    a.acquire("run-a")
    with pytest.raises(LockedError, match="another newsloom run is writing.*run-a"):
        b.acquire("run-b")
    a.release()
    b.acquire("run-b")
    b.release()


def test_part_files_carry_schema_version(tmp_path):
    import pyarrow.parquet as pq

    store = Store(tmp_path)
    path = store.stage_part("r1", "rejects", rejects("a.pdf", "r1"), "p0")
    meta = pq.read_schema(path).metadata
    assert meta[b"newsloom.schema_version"] == schemas.SCHEMA_VERSION.encode()
    with pytest.raises(schemas.SchemaError):
        store.stage_part("r1", "rejects", pa.table({"source": ["x"]}), "p1")


def test_a_part_revised_twice_in_one_run_keeps_both_revisions(tmp_path):
    """The second stage that revises a committed part reads the first one's revision, not the committed file:
    resolve-identity's new speaker and cluster-quotes' new cluster both reach the committed quotes part."""
    from newsloom.config import make_config
    from newsloom.stage import Stage, revise_part

    store = Store(tmp_path)
    row = {"quote_id": "q1", "article_id": "a1", "text": "We will rebuild the harbour wall", "start_char": 0,
           "end_char": 5, "kind": "direct", "attribution": "none", "confidence": 0.5, "run_id": "r1"}
    store.stage_part("r1", "quotes", schemas.from_rows([row], schemas.QUOTES), "p0")
    store.commit("r1", {"started_at": "2026-01-01T00:00:00+00:00"})
    [part] = [Path(p).name for p in store.committed_parts("quotes")]
    config = make_config(sources=["."], out=str(tmp_path))

    def setting(column, value):
        def part(inputs, config):
            q = inputs["quotes"]
            return {"quotes": q.set_column(q.schema.get_field_index(column), column, pa.array([value], pa.string()))}
        return Stage(name=f"set-{column}", writes=("quotes",), reads={"quotes": None}, part=part, parts_of="quotes")

    revise_part(setting("speaker", "Ilse Dorn"), config, "r2", part)
    revise_part(setting("quote_cluster_id", "c9"), config, "r2", part)
    store.commit("r2", {"started_at": "2026-01-02T00:00:00+00:00"})
    got = pd.read_parquet(tmp_path / "quotes").iloc[0]
    assert (got["speaker"], got["quote_cluster_id"]) == ("Ilse Dorn", "c9")

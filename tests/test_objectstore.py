"""The output root on S3 (a moto server on 127.0.0.1): the storage guarantees of a local root hold there too."""
import json

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from newsloom import schemas
from newsloom.lease import LockedError, LockLost
from newsloom.storage import Store


def rejects(source, run_id):
    return schemas.from_rows([{"source": source, "stage": "fetch", "reason": "unsupported_type", "run_id": run_id}],
                             schemas.REJECTS)


def fs_of(store):
    store.fs.invalidate_cache()
    return store.fs


def test_pandas_sees_only_committed_parts(s3):
    root = "s3://news/commit-visibility"
    store = Store(root)
    store.stage_part("r1", "rejects", rejects("a.pdf", "r1"), "p0")
    with pytest.raises(FileNotFoundError):  # nothing committed yet: the table folder does not exist
        pd.read_parquet(f"{root}/rejects")
    store.commit("r1", {"started_at": "2026-01-01T00:00:00+00:00"})
    store.stage_part("r2", "rejects", rejects("b.pdf", "r2"), "p0")  # a second run, not committed
    assert pd.read_parquet(f"{root}/rejects")["source"].tolist() == ["a.pdf"]
    assert store.read_table("rejects").column("source").to_pylist() == ["a.pdf"]
    assert store.manifests()[0]["files"] == ["rejects/part-r1-p0.parquet"]
    store.commit("r2", {"started_at": "2026-01-01T00:00:00+00:00"})
    assert sorted(pd.read_parquet(f"{root}/rejects")["source"]) == ["a.pdf", "b.pdf"]
    assert not fs_of(store).exists("news/commit-visibility/_staging/r1")


def test_an_object_being_uploaded_is_not_visible(s3):
    """A multipart upload in progress (parts sent, not completed) lists as nothing: readers never see a
    half-written object, which is why object-store parts are written in place, without a rename."""
    store = Store("s3://news/half-written")
    store.commit("r0", {"started_at": "2026-01-01T00:00:00+00:00"})
    fs = store.fs
    fh = fs.open("news/half-written/rejects/part-big.parquet", "wb", block_size=5 * 2**20)
    fh.write(b"x" * (6 * 2**20))
    fh.flush()  # the first 5 MB part is uploaded
    try:
        assert fh.mpu is not None
        fs.invalidate_cache()
        assert not fs.exists("news/half-written/rejects/part-big.parquet")
        assert store.read_table("rejects").num_rows == 0
    finally:
        fh.discard()  # abort the multipart upload
        fh.closed = True


def test_recover_discards_uncommitted_and_completes_committing(s3):
    store = Store("s3://news/recover")
    store.stage_part("crashed", "rejects", rejects("lost.pdf", "crashed"), "p0")
    store.stage_part("half", "rejects", rejects("kept.pdf", "half"), "p0")
    # "half" wrote its intent to commit, then died before copying its parts
    store.write_bytes(f"{store.staging_dir('half')}/_commit.json", json.dumps(
        {"run_id": "half", "files": ["rejects/part-half-p0.parquet"], "summary": {"started_at": "x"}}).encode())
    actions = store.recover()
    assert sorted(a.split()[0] for a in actions) == ["completed", "discarded"]
    assert pd.read_parquet("s3://news/recover/rejects")["source"].tolist() == ["kept.pdf"]
    assert [m["run_id"] for m in store.manifests()] == ["half"]
    assert store.recover() == []  # nothing left in staging


def test_one_writer_at_a_time_with_a_conditional_put(s3):
    a, b = Store("s3://news/locked"), Store("s3://news/locked")
    a.acquire("run-a")
    with pytest.raises(LockedError, match=r"another newsloom run is writing to s3://news/locked \(run run-a.*"
                                          r"newsloom unlock s3://news/locked"):
        b.acquire("run-b")
    a.release()
    b.acquire("run-b")
    b.release()


def dead(store):
    """Stop a holder's lease renewal without releasing: what its process dying leaves behind."""
    store._lease._stop.set()
    store._lease._thread.join()


def test_a_dead_writers_lease_expires_and_it_can_no_longer_commit(s3):
    import time

    a = Store("s3://news/leased", lease_seconds=3)
    a.acquire("run-a")
    a.stage_part("run-a", "rejects", rejects("a.pdf", "run-a"), "fetch-00000")
    dead(a)
    b = Store("s3://news/leased", lease_seconds=3)
    with pytest.raises(LockedError, match="lease until"):
        b.acquire("run-b")  # the lease still runs
    time.sleep(3.5)
    note = b.acquire("run-b")  # now it has expired: taken over, with a note for the log
    assert "took over the lock" in note and "run-a" in note
    with pytest.raises(LockLost):  # fencing: the writer that lost its lease cannot commit
        a.commit("run-a", {"started_at": "2026-03-01T00:00:00+00:00"})
    assert not fs_of(b).exists("news/leased/rejects")
    for action in b.recover():  # the next writer discards what the dead one staged
        assert "discarded" in action
    b.release()
    assert not fs_of(b).exists("news/leased/_lock") and not fs_of(b).exists("news/leased/_staging")


def test_a_live_writer_renews_its_lease(s3):
    import time

    a = Store("s3://news/renewed", lease_seconds=3)
    a.acquire("run-a")
    time.sleep(4.5)  # longer than the lease: only the renewals keep it
    with pytest.raises(LockedError, match="run-a"):
        Store("s3://news/renewed", lease_seconds=3).acquire("run-b")
    a._lease.check()
    a.release()


def test_unlock_removes_a_dead_writers_lock(s3):
    from newsloom.interfaces.cli import app

    gone = Store("s3://news/dead-writer")
    gone.acquire("run-dead")  # and never released: the process "died"
    dead(gone)
    with pytest.raises(LockedError):
        Store("s3://news/dead-writer").acquire("run-next")
    result = CliRunner().invoke(app, ["unlock", "s3://news/dead-writer"])
    assert result.exit_code == 0 and "run-dead" in result.output
    nxt = Store("s3://news/dead-writer")
    nxt.acquire("run-next")
    nxt.release()
    assert "was not locked" in CliRunner().invoke(app, ["unlock", "s3://news/dead-writer"]).output


def test_unlock_refuses_a_live_local_lock(tmp_path):
    from newsloom.interfaces.cli import app

    live = Store(tmp_path)
    live.acquire("run-live")
    try:
        result = CliRunner().invoke(app, ["unlock", str(tmp_path)])
        assert result.exit_code == 1 and "run-live" in result.output
    finally:
        live.release()


def test_schema_is_checked_on_object_store_writes(s3):
    store = Store("s3://news/schema")
    with pytest.raises(schemas.SchemaError):
        store.stage_part("r1", "rejects", pa.table({"source": ["x"]}), "p0")
    path = store.stage_part("r1", "rejects", rejects("a.pdf", "r1"), "p0")
    assert path.startswith("s3://news/schema/_staging/r1/rejects/")
    assert store.read_parquet(path).schema.metadata[b"newsloom.schema_version"] == schemas.SCHEMA_VERSION.encode()


def test_object_store_sources_and_bad_roots_fail_before_work(s3, tmp_path):
    from newsloom.config import ConfigError, make_config
    from newsloom.preflight import run_config

    with pytest.raises(ConfigError, match="source not found: s3://news/no-such-prefix"):
        run_config(sources=["s3://news/no-such-prefix"], out=str(tmp_path / "out"))
    with pytest.raises(ConfigError, match="cannot write to 'nosuchscheme://x'"):
        make_config(sources=[str(tmp_path)], out="nosuchscheme://x")

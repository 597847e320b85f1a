"""The page worker: a real child process per thread, killed when a call runs over its time limit."""
import os
import threading
import time
from datetime import datetime, timezone

import pytest

from newsloom import isolation, schemas
from tasks.clean import clean_articles
from tasks.clean.pages import Rejected


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # Isolated waits for the child it kills, so a dead one is gone, not a zombie
    except ProcessLookupError:
        return False
    return True


def test_a_call_over_the_limit_kills_the_child_and_the_next_call_gets_a_fresh_one():
    worker = isolation.Isolated("time:sleep", timeout=0.5)
    try:
        assert worker(0.01) is None
        first = worker.proc.pid
        t0 = time.monotonic()
        with pytest.raises(isolation.CallTimedOut):
            worker(30)
        assert time.monotonic() - t0 < 10  # not the 30 s the call wanted
        assert worker.proc is None and not _alive(first)
        assert worker(0.01) is None  # a new child
        assert worker.started == 2 and worker.proc.pid != first
    finally:
        worker.close()


def test_errors_come_back_as_raised_and_a_crash_is_worker_died():
    worker = isolation.Isolated("tasks.clean.pages:clean_html_page", timeout=60)
    try:
        with pytest.raises(Rejected) as exc:
            worker("<html><body></body></html>", None)
        assert exc.value.reason == "empty_text"  # the exception itself, reason and all
        crash = isolation.Isolated("os:_exit", timeout=60)
        with pytest.raises(isolation.WorkerDied, match="exit code 3"):
            crash(3)
        crash.close()
        page = worker("<html><body><article><p>" + "The ferry to Saltmere ran late on Tuesday. " * 10
                      + "</p></article></body></html>", None)
        assert "Saltmere" in page["text"] and worker.started == 1
    finally:
        worker.close()


def test_bad_targets_fail_clearly():
    with pytest.raises(ValueError):
        isolation.Isolated("no_colon", timeout=1)
    with pytest.raises(ValueError):
        isolation.Isolated("time:sleep", timeout=0)
    with pytest.raises(isolation.WorkerDied, match="ModuleNotFoundError"):
        isolation.Isolated("no_such_module_here:f", timeout=5)()


def test_each_thread_has_its_own_worker():
    mine = isolation.for_thread("time:sleep", 5.0)
    assert isolation.for_thread("time:sleep", 5.0) is mine
    other = []
    t = threading.Thread(target=lambda: other.append(isolation.for_thread("time:sleep", 5.0)))
    t.start()
    t.join()
    assert other[0] is not mine


def test_a_page_over_page_timeout_is_a_reject_and_the_batch_goes_on(config):
    para = "<div><p>Paragraph {} of the harbour report on the Veldra ferries and the dredging of the channel.</p></div>"
    huge = "<html><body><article>" + "".join(para.format(i) for i in range(20_000)) + "</article></body></html>"
    story = ("<html><head><title>Ferries run late</title></head><body><article><p>"
             + "The ferry to Saltmere ran forty minutes late on Tuesday after fog closed the northern channel. " * 4
             + "</p></article></body></html>")
    base = {"fetched_at": datetime(2026, 1, 1, tzinfo=timezone.utc), "http_status": None, "run_id": "r",
            "media_type": "text/html"}
    docs = schemas.from_rows([
        {**base, "doc_id": "big", "source": "big.html", "content": huge.encode()},
        {**base, "doc_id": "ok", "source": "ok.html", "content": story.encode()},
    ], schemas.DOCUMENTS)
    # measured: about 3.5 s for the huge page on an idle core, 0.02 s for the story
    articles, rejects = clean_articles(docs, config.model_copy(update={"page_timeout": 1.0}))
    assert articles.column("source").to_pylist() == ["ok.html"]
    assert "Saltmere" in articles.column("text")[0].as_py()
    (row,) = rejects.to_pylist()
    assert row["source"] == "big.html" and row["stage"] == "clean" and row["reason"] == "extraction_timeout"
    assert "page_timeout 1 s" in row["detail"]
    assert rejects.schema == schemas.REJECTS


def test_a_threads_worker_ends_with_the_thread():
    pids = []

    def work():
        w = isolation.for_thread("time:sleep", 5.0)
        w(0.01)
        pids.append(w.proc.pid)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    import gc

    gc.collect()
    deadline = time.monotonic() + 10
    while _alive(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pids[0])

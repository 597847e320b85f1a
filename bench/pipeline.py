"""End-to-end throughput and memory of ``newsloom run``, next to bare spaCy on the same texts.

    python -m bench.pipeline 2000                   # the default run (one Dask worker per core), then bare nlp.pipe
    python -m bench.pipeline 2000 --workers 2       # every stage's parts on 2 Dask worker processes
    python -m bench.pipeline 2000 --scaling         # --workers 1 and --workers 2, and their ratio
    python -m bench.pipeline 20000 --rerun          # also time a no-op rerun on the same output
    python -m bench.pipeline 400 --set places=false # a setting passed on to newsloom run

For each run it reports wall seconds, docs/s and words/s end to end, seconds per stage (from the
run's manifest), and the peak resident memory of the whole process tree (the CLI process, its
Dask workers and Prefect's temporary API server), sampled from /proc every 0.2 s.  It then
pushes the run's own article texts (originals, as the extract stage sees them) through bare
``nlp.pipe`` with the same model and the same disabled components, in a fresh process, and reports
the ratio of the two throughputs.  Bare piping runs with the run's ``--workers`` as ``n_process``; for
a default run (no ``--workers``), with spaCy's default of one process, which is issue 29's measure,
and again with one process per core, as many as the default run's workers.

The corpus comes from ``bench.corpus`` (generated once under bench/out/corpus-N).  Results go
to stdout and bench/out/pipeline-N.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench._shared import OUT, ROOT
from bench.corpus import ensure

PAGE = os.sysconf("SC_PAGE_SIZE")


TICK = os.sysconf("SC_CLK_TCK")
CPU: dict[int, float] = {}  # pid -> CPU seconds (user + system) when last sampled


def tree_rss(pid: int) -> dict[int, int]:
    """Resident bytes of ``pid`` and each of its descendants (from /proc); updates CPU."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry.name}/statm") as fh:
                resident = int(fh.read().split()[1])
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        p = int(entry.name)
        children.setdefault(int(fields[1]), []).append(p)
        rss[p] = resident * PAGE
        cpu[p] = (int(fields[11]) + int(fields[12])) / TICK
    found, todo = {}, [pid]
    while todo:
        p = todo.pop()
        found[p] = rss.get(p, 0)
        if p in cpu:
            CPU[p] = cpu[p]
        todo.extend(children.get(p, []))
    return found


def describe(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in argv if a)
    for key, name in (("newsloom.interfaces.cli", "newsloom"), ("uvicorn", "prefect-server"), ("prefect", "prefect-server"),
                      ("spawn_main", "worker-process"), ("forkserver", "dask-forkserver"), ("-c", "bare-spacy")):
        if key in text:
            return name
    return text[:40]


class PeakSampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self._halt = pid, every, 0, threading.Event()
        self.by_process: dict[int, int] = {}  # pid -> its own peak
        self.names: dict[int, str] = {}

    def run(self) -> None:
        while not self._halt.is_set():
            sizes = tree_rss(self.pid)
            self.peak = max(self.peak, sum(sizes.values()))
            for p, b in sizes.items():
                if p not in self.names:
                    self.names[p] = describe(p)
                self.by_process[p] = max(self.by_process.get(p, 0), b)
            self._halt.wait(self.every)

    def peaks_by_kind(self) -> dict[str, int]:
        """Largest single-process peak of each kind of process, in MB."""
        out: dict[str, int] = {}
        for p, b in self.by_process.items():
            out[self.names[p]] = max(out.get(self.names[p], 0), round(b / 2**20))
        return out

    def cpu_by_kind(self) -> dict[str, float]:
        """CPU seconds (user + system) used by each kind of process, summed."""
        out: dict[str, float] = {}
        for p, name in self.names.items():
            out[name] = round(out.get(name, 0) + CPU.get(p, 0), 1)
        return out

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak


def bench_env() -> dict:
    home = Path(tempfile.mkdtemp(prefix="newsloom-bench-prefect-"))
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
            "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false"}


def measured(cmd: list[str], env: dict, log: Path) -> dict:
    """Run ``cmd``; its wall seconds and the peak RSS of its process tree."""
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        sampler = PeakSampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        peak = sampler.stop()
    wall = time.perf_counter() - t0
    if rc:
        sys.exit(f"{' '.join(cmd)} failed with exit code {rc}; see {log}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peak / 2**20), "peak_rss_mb_by_process": sampler.peaks_by_kind(),
            "cpu_s_by_process": sampler.cpu_by_kind()}


SETTINGS: list[str] = []  # --set KEY=VALUE passed on to every run (main's --set)


def newsloom_cmd(corpus: Path, out: Path, workers: int | None, model: str) -> list[str]:
    cmd = [sys.executable, "-m", "newsloom.interfaces.cli", "run", str(corpus), "--out", str(out), "--model", model]
    cmd += [arg for kv in SETTINGS for arg in ("--set", kv)]
    return cmd + (["--workers", str(workers)] if workers else [])


def last_run(out: Path) -> dict:
    manifests = [json.loads(p.read_text()) for p in sorted((out / "_manifests").glob("*.json"))
                 if not p.name.startswith("_")]
    return [m for m in manifests if m.get("kind", "run") == "run"][-1]["summary"]  # not its compaction


def article_words(out: Path) -> tuple[int, int, int]:
    """(original articles, their words, characters) in the run's articles table."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    t = ds.dataset(str(out / "articles"), format="parquet").to_table(columns=["text", "dup_of"])
    t = t.filter(pc.is_null(t.column("dup_of")))
    words = pc.sum(pc.list_value_length(pc.utf8_split_whitespace(t.column("text")))).as_py() or 0
    chars = pc.sum(pc.utf8_length(t.column("text"))).as_py() or 0
    return t.num_rows, words, chars


BARE = r"""
import json, sys, time
t0 = time.perf_counter()
import pyarrow.compute as pc, pyarrow.dataset as ds
from newsloom.nlp import load_nlp
out, model, n_process, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t = ds.dataset(out + "/articles", format="parquet").to_table(columns=["text", "dup_of"])
texts = t.filter(pc.is_null(t.column("dup_of"))).column("text").to_pylist()
nlp = load_nlp(model)
t1 = time.perf_counter()
n = sum(1 for _ in nlp.pipe(texts, n_process=n_process, batch_size=batch_size))
t2 = time.perf_counter()
print(json.dumps({"docs": n, "pipe_s": round(t2 - t1, 2), "load_s": round(t1 - t0, 2)}))
"""


def bare_spacy(out: Path, model: str, n_process: int, env: dict, log: Path) -> dict:
    from newsloom.nlp import NLP_BATCH

    cmd = [sys.executable, "-c", BARE, str(out), model, str(n_process), str(NLP_BATCH)]
    m = measured(cmd, env, log)  # the same batch size as the pipeline's extract stage
    return {**json.loads(log.read_text().strip().splitlines()[-1]), **m}


def one_run(n: int, corpus: Path, workers: int | None, model: str, rerun: bool, bare: bool) -> dict:
    tag = f"pipeline-{n}-w{workers or 0}"
    out = OUT / tag
    subprocess.run(["rm", "-rf", str(out)], check=True)
    env = bench_env()
    first = measured(newsloom_cmd(corpus, out, workers, model), env, OUT / f"{tag}.log")
    summary = last_run(out)
    docs, words, chars = article_words(out)
    res = {"workers": workers or 0, "documents": summary["n_documents"], "articles": summary["n_articles"],
           "duplicates": summary["n_duplicates"], "original_articles": docs, "words": words,
           "mentions": summary["n_mentions"], "quotes": summary["n_quotes"], "rejects": summary["n_rejects"],
           **first, "docs_per_s": round(summary["n_documents"] / first["wall_s"], 1),
           "words_per_s": round(words / first["wall_s"]), "stage_seconds": summary["stage_seconds"]}
    if bare:
        # issue 29's comparison: bare nlp.pipe as spaCy runs it by default (n_process=1) for a default run,
        # else with the run's --workers
        b = bare_spacy(out, model, max(workers or 1, 1), env, OUT / f"{tag}-bare.log")
        res["bare_spacy"] = {**b, "docs_per_s_pipe": round(b["docs"] / b["pipe_s"], 1),
                             "docs_per_s_wall": round(b["docs"] / b["wall_s"], 1)}
        # end-to-end throughput over bare throughput, on the same texts
        res["ratio_vs_bare_pipe"] = round(b["pipe_s"] / first["wall_s"], 3)
        res["ratio_vs_bare_wall"] = round(b["wall_s"] / first["wall_s"], 3)
        res["ratio_vs_bare_nlp_stage"] = round(b["pipe_s"] / summary["stage_seconds"]["entity-extract"], 3)
        if workers is None and (cores := os.cpu_count() or 1) > 1:
            # a default run spreads its parts over one worker per core: bare piping on as many processes too
            b2 = bare_spacy(out, model, cores, env, OUT / f"{tag}-bare-{cores}.log")
            res["bare_spacy_per_core"] = {**b2, "n_process": cores}
            res["ratio_vs_bare_pipe_per_core"] = round(b2["pipe_s"] / first["wall_s"], 3)
    if rerun:
        second = measured(newsloom_cmd(corpus, out, workers, model), env, OUT / f"{tag}-rerun.log")
        s2 = last_run(out)
        res["rerun"] = {**second, "documents": s2["n_documents"], "already_seen": s2["already_seen"],
                        "stage_seconds": s2["stage_seconds"],
                        "fraction_of_first": round(second["wall_s"] / first["wall_s"], 3)}
    return res


def show(r: dict) -> None:
    print(f"workers={r['workers']}: {r['documents']} documents ({r['duplicates']} duplicates), {r['words']:,} words, "
          f"{r['mentions']} mentions, {r['quotes']} quotes, {r['rejects']} rejects")
    print(f"  end to end: {r['wall_s']}s, {r['docs_per_s']} docs/s, {r['words_per_s']:,} words/s, "
          f"peak RSS (process tree) {r['peak_rss_mb']} MB; per process {r['peak_rss_mb_by_process']}")
    print(f"  CPU seconds by process: {r['cpu_s_by_process']}")
    print("  stages: " + ", ".join(f"{k} {v}s" for k, v in r["stage_seconds"].items()))
    if "bare_spacy" in r:
        b = r["bare_spacy"]
        print(f"  bare nlp.pipe, same texts: {b['pipe_s']}s piping + {b['load_s']}s loading, {b['wall_s']}s process "
              f"({b['docs_per_s_pipe']} docs/s), peak RSS {b['peak_rss_mb']} MB")
        print(f"  ratio end-to-end / bare: {r['ratio_vs_bare_pipe']} (bare piping), {r['ratio_vs_bare_wall']} "
              f"(bare process); entity-extract stage vs bare piping: {r['ratio_vs_bare_nlp_stage']}")
    if "bare_spacy_per_core" in r:
        b2 = r["bare_spacy_per_core"]
        print(f"  bare nlp.pipe with n_process={b2['n_process']} (the run's workers): {b2['pipe_s']}s piping; "
              f"ratio end-to-end / bare: {r['ratio_vs_bare_pipe_per_core']}")
    if "rerun" in r:
        rr = r["rerun"]
        print(f"  no-op rerun: {rr['wall_s']}s ({rr['fraction_of_first']:.1%} of the first run), "
              f"{rr['documents']} new documents, {rr['already_seen']} already seen, peak RSS {rr['peak_rss_mb']} MB")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="articles in the synthetic corpus")
    ap.add_argument("--workers", type=int, help="worker processes (default: as newsloom run, one per core)")
    ap.add_argument("--scaling", action="store_true", help="run with --workers 1 and --workers 2 and compare")
    ap.add_argument("--rerun", action="store_true", help="also time a no-op rerun")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare spaCy comparison")
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a setting for newsloom run (e.g. places=false), repeatable")
    args = ap.parse_args(argv)
    SETTINGS[:] = args.set
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    corpus = ensure(args.n)
    print(f"corpus {corpus} ready in {time.perf_counter() - t0:.1f}s; machine: {os.cpu_count()} cores")
    results = []
    for w in ([1, 2] if args.scaling else [args.workers]):
        r = one_run(args.n, corpus, w, args.model, args.rerun, not args.no_bare)
        show(r)
        results.append(r)
    report = {"n": args.n, "model": args.model, "cores": os.cpu_count(), "runs": results}
    if args.scaling:
        report["speedup_2_vs_1"] = round(results[0]["wall_s"] / results[1]["wall_s"], 3)
        print(f"2 workers vs 1: {report['speedup_2_vs_1']}x")
    path = OUT / f"pipeline-{args.n}-{'scaling' if args.scaling else f'w{args.workers or 0}'}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

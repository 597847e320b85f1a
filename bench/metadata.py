"""Dates, bylines and headlines on WCXB's 791 labelled pages (../shared/eval/wcxb), per split, with
trafilatura's and htmldate's answers beside ours.

    python bench/metadata.py             # the table of docs/benchmarks.md ("Metadata ranker")
    python bench/metadata.py --json

The splits are the training command's (tasks.clean.train_ranker.split_of): TRAIN fits the ranker, TUNE
chose its settings, REPORT is the figure to quote.  Scoring is issue 31's (``is_right``): the publication
day as the page prints it (or the month, where the label gives only one), the first author after folding,
a title whose tokens overlap the label's at 0.8 or more; each over the pages whose label has the field.
Columns:

- ``newsloom``: ``clean_html_page`` as the clean stage runs it, with the shipped ranker;
- ``before``: the same without the ranker (trafilatura's answers with our corrections: the state before
  issue 31);
- ``trafilatura``: ``trafilatura.extract_metadata`` (title, author, date);
- ``htmldate``: ``htmldate.find_date`` with its defaults (extensive search; ``original_date=False``, so
  the latest date it trusts), dates only.  trafilatura's own date is htmldate's with ``original_date=True``.

Also the clean stage's pages per second with and without the ranker, one process (``--speed`` times that
alone, on an idle machine).
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._shared import SHARED, need  # noqa: E402

FIELDS = ("date", "author", "title")
KEYS = {"date": "published_at", "author": "author", "title": "title"}


def answers_of(html: str, url: str) -> dict[str, dict]:
    """Every system's title, author and date for one page (None where it has none)."""
    import htmldate
    import trafilatura

    from tasks.clean.pages import Rejected, clean_html_page
    from tasks.common.dates import parse_local

    out: dict[str, dict] = {}
    for name, rank in (("newsloom", True), ("before", False)):
        try:
            page = clean_html_page(html, url, rank=rank)
        except Rejected:
            page = {}
        out[name] = {f: page.get(KEYS[f]) for f in FIELDS}
    meta = trafilatura.extract_metadata(html, default_url=url)
    out["trafilatura"] = {"title": meta.title if meta else None, "author": meta.author if meta else None,
                          "date": parse_local(meta.date) if meta and meta.date else None}
    found = htmldate.find_date(html, url=url)
    out["htmldate"] = {"title": None, "author": None, "date": parse_local(found) if found else None}
    return out


def timed_clean(pages: list[tuple[str, str]], rank: bool) -> float:
    from tasks.clean.pages import Rejected, clean_html_page

    t0 = time.perf_counter()
    for html, url in pages:
        try:
            clean_html_page(html, url, rank=rank)
        except Rejected:
            pass
    return len(pages) / (time.perf_counter() - t0)


def speed_only(limit: int | None) -> dict:
    """Pages per second of clean_html_page with and without the ranker, each after a warm-up pass."""
    corpus = need(SHARED / "eval" / "wcxb")
    rows = [json.loads(line) for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines()][:limit]
    pages = [(gzip.open(corpus / r["html"], "rt", encoding="utf-8", errors="replace").read(), r["url"]) for r in rows]
    from tasks.clean.pages import Rejected, clean_html_page

    timed_clean(pages[:5], True)
    spent = {False: 0.0, True: 0.0}
    for html, url in pages:  # both ways on each page in turn: caches and load favour neither
        for rank in (False, True):
            t0 = time.perf_counter()
            try:
                clean_html_page(html, url, rank=rank)
            except Rejected:
                pass
            spent[rank] += time.perf_counter() - t0
    return {"pages": len(pages), "without": round(len(pages) / spent[False], 1),
            "with_ranker": round(len(pages) / spent[True], 1)}


def run(limit: int | None) -> dict:
    from tasks.clean.train_ranker import SPLITS, is_right, split_of

    corpus = need(SHARED / "eval" / "wcxb")
    rows = [json.loads(line) for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines()][:limit]
    systems = ("newsloom", "before", "trafilatura", "htmldate")
    score = {s: {sy: {f: [0, 0] for f in FIELDS} for sy in systems} for s in SPLITS}
    pages = []
    for r in rows:
        html = gzip.open(corpus / r["html"], "rt", encoding="utf-8", errors="replace").read()
        pages.append((html, r["url"]))
        gold = {"date": r["published"], "author": r["author"], "title": r["title"]}
        for system, got in answers_of(html, r["url"]).items():
            for f in FIELDS:
                if gold[f]:
                    cell = score[split_of(r["id"])][system][f]
                    cell[0] += is_right(f, got[f], gold[f])
                    cell[1] += 1
    speed = {"with_ranker": round(timed_clean(pages, True), 1), "without": round(timed_clean(pages, False), 1)}
    return {"scores": score, "pages_per_second": speed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--speed", action="store_true", help="only the pages per second, with and without the ranker")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    if args.speed:
        print(json.dumps(speed_only(args.limit)))
        return
    result = run(args.limit)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print("| split | field | newsloom | before (no ranker) | trafilatura | htmldate |")
    print("|---|---|---|---|---|---|")
    for split, by_system in result["scores"].items():
        for f in FIELDS:
            cells = []
            for system in ("newsloom", "before", "trafilatura", "htmldate"):
                right, n = by_system[system][f]
                cells.append("" if system == "htmldate" and f != "date" else f"{right}/{n} ({right / max(n, 1):.3f})")
            print(f"| {split} | {f} | " + " | ".join(cells) + " |")
    print(f"\nclean_html_page, one process: {result['pages_per_second']}")


if __name__ == "__main__":
    main()

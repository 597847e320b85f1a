"""Article extraction quality and speed: our clean stage vs plain trafilatura, on public gold.

    python bench/extraction.py [--limit N]
    python bench/extraction.py --wcxb       # WCXB's bodies per split, with its word F1

1. Body text on two public sets, each scored by ../shared/eval/score_extraction.py: the 60 dev pages of
   the scrapinghub benchmark (../shared/eval/extraction) and the 68 pages of ../shared/eval/news_html
   (scored on their body_text).  P/R/F1 and pages/s for newsloom's ``clean_html_page`` (run as the
   clean stage runs it, in the page worker under the default ``page_timeout``), for
   ``trafilatura.extract`` with library defaults, and for trafilatura's best single configuration
   (``include_comments=False, favor_precision=True``) side by side; the pages where ours is worse than
   that best configuration by more than 0.05 F1.
   With ``--wcxb``, only the 791 article pages of ../shared/eval/wcxb instead, scored with that
   benchmark's mean per-page word F1, per split (TRAIN, TUNE, REPORT; see ``wcxb_body_bench``).
2. Metadata on ../shared/eval/news_html (68 real pages): publication date on the right day,
   at least one gold author found, title equal after lowercasing and dropping punctuation.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._shared import OUT, SHARED, need, scorer  # noqa: E402

# trafilatura's best single configuration on the held-out pages of issue 22 (0.964 there), beside its defaults
BEST_TRAFILATURA = {"include_comments": False, "favor_precision": True}
SETS = {"extraction": "extraction", "news_html": "news_html"}


def read_page(path: Path) -> str:
    """A stored page's markup, gzipped (WCXB) or not."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8", errors="replace")


def extract_bodies(pages: list[dict], base: Path) -> tuple[dict, dict, float, float]:
    """Both extractors over the pages, each timed after one warm-up page (imports, trafilatura's
    lazy set-up and, for ours, starting the page worker: a constant cost, not a per-page one).
    Ours runs as the clean stage runs it: in the page worker, under the default page_timeout."""
    import trafilatura

    from newsloom.config import Config
    from tasks.clean import Rejected, extract_page

    config = Config.model_construct()  # the defaults, without checking that data/raw exists
    htmls = {p["id"]: read_page(base / p["html"]) for p in pages}
    ours, plain, best = {}, {}, {}

    def run_ours(p):
        try:
            ours[p["id"]] = extract_page(htmls[p["id"]], p.get("url"), config)["text"]
        except Rejected as exc:
            ours[p["id"]] = None
            if exc.reason == "extraction_timeout":
                print(f"timeout: {p['id']}", file=sys.stderr)

    def run_plain(p):
        plain[p["id"]] = trafilatura.extract(htmls[p["id"]], url=p.get("url"))

    def run_best(p):
        best[p["id"]] = trafilatura.extract(htmls[p["id"]], url=p.get("url"), **BEST_TRAFILATURA)

    run_ours(pages[0])
    t0 = time.perf_counter()
    for p in pages:
        run_ours(p)
    t_ours = time.perf_counter() - t0
    run_plain(pages[0])
    t0 = time.perf_counter()
    for p in pages:
        run_plain(p)
    t_plain = time.perf_counter() - t0
    for p in pages:  # not timed: its speed is trafilatura's, measured above
        run_best(p)
    return ours, plain, best, t_ours, t_plain


def body_bench(limit: int | None, which: str = "extraction") -> dict:
    """Body text of one public set (``extraction``: the 60 scrapinghub dev pages; ``news_html``: the 68 news
    pages, scored on their body_text) for newsloom, trafilatura's defaults and its best configuration."""
    sc = scorer("score_extraction")
    base = need(SHARED / "eval" / SETS[which])
    gold = sc.load_gold(base / "truth.jsonl")
    pages = [json.loads(l) for l in (base / "truth.jsonl").read_text().splitlines()][:limit]
    gold = {p["id"]: gold[p["id"]] for p in pages}
    ours, plain, best, t_ours, t_plain = extract_bodies(pages, base)
    res_ours, pages_ours = sc.score(gold, ours, n_boot=200)
    res_plain, pages_plain = sc.score(gold, plain, n_boot=200)
    res_best, pages_best = sc.score(gold, best, n_boot=200)

    def f1(pg):
        p, r = pg["precision"] or 0.0, pg["recall"]
        return 2 * p * r / (p + r) if p + r else 0.0
    worse = [(a["id"][:12], round(f1(b), 3), round(f1(a), 3)) for a, b in zip(pages_ours, pages_plain)
             if f1(a) < f1(b) - 0.05]
    worse_best = [(a["id"][:24], round(f1(b), 3), round(f1(a), 3)) for a, b in zip(pages_ours, pages_best)
                  if f1(a) < f1(b) - 0.05]
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"{which}_pred.jsonl", "w") as fh:
        for k, v in ours.items():
            fh.write(json.dumps({"id": k, "articleBody": v}) + "\n")
    return {"pages": len(pages),
            "newsloom": {**{k: round(v, 4) for k, v in res_ours.items() if isinstance(v, float)},
                         "pages_per_s": round(len(pages) / t_ours, 1)},
            "trafilatura_defaults": {**{k: round(v, 4) for k, v in res_plain.items() if isinstance(v, float)},
                                     "pages_per_s": round(len(pages) / t_plain, 1)},
            "trafilatura_best": {k: round(v, 4) for k, v in res_best.items() if isinstance(v, float)},
            "worse_than_plain_by_0.05": worse, "worse_than_best_by_0.05": worse_best}


def wcxb_body_bench(limit: int | None) -> dict:
    """Body text of WCXB's 791 article pages, scored with the benchmark's own headline (mean per-page word
    F1, ``--metric word``), per split of the metadata ranker (``train_ranker.split_of``): TRAIN, TUNE
    (where body rules are chosen) and REPORT (the figure to quote), beside trafilatura's defaults and its
    best configuration."""
    from tasks.clean.train_ranker import SPLITS, split_of

    sc = scorer("score_extraction")
    base = need(SHARED / "eval" / "wcxb")
    gold = sc.load_gold(base / "truth.jsonl")
    pages = [json.loads(l) for l in (base / "truth.jsonl").read_text().splitlines()][:limit]
    ours, plain, best, t_ours, _ = extract_bodies(pages, base)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "wcxb_pred.jsonl", "w") as fh:
        for k, v in ours.items():
            fh.write(json.dumps({"id": k, "articleBody": v}) + "\n")
    result: dict = {"pages": len(pages), "pages_per_s": round(len(pages) / t_ours, 1)}
    for split in SPLITS:
        ids = [p["id"] for p in pages if split_of(p["id"]) == split]
        part = {i: gold[i] for i in ids}
        result[split] = {name: {k: round(v, 4) for k, v in sc.score_words(part, {i: got[i] for i in ids})[0].items()
                                if isinstance(v, float)} | {"pages": len(ids)}
                         for name, got in (("newsloom", ours), ("trafilatura_defaults", plain),
                                           ("trafilatura_best", best))}
    return result


def _norm_title(t: str | None) -> str:
    return re.sub(r"[\W_]+", " ", (t or "").lower()).strip()


def metadata_bench(limit: int | None) -> dict:
    from tasks.clean import Rejected, clean_html_page

    base = need(SHARED / "eval" / "news_html")
    rows = [json.loads(l) for l in (base / "truth.jsonl").read_text().splitlines()][:limit]
    date_ok = author_ok = title_ok = 0
    misses = {"date": [], "author": [], "title": []}
    t0 = time.perf_counter()
    for r in rows:
        html = (base / r["html"]).read_text(encoding="utf-8", errors="replace")
        try:
            page = clean_html_page(html, r["url"])
        except Rejected:
            page = {}
        gold_day = r["publishing_date"][:10]
        got = page.get("published_at")
        if got is not None and got.date().isoformat() == gold_day:
            date_ok += 1
        else:
            misses["date"].append((r["id"], gold_day, got.isoformat() if got else None))
        authors = [a.lower() for a in r.get("authors") or []]
        found = (page.get("author") or "").lower()
        if authors and any(a in found or found in a for a in authors if found):
            author_ok += 1
        elif authors:
            misses["author"].append((r["id"], authors, page.get("author")))
        if _norm_title(page.get("title")) == _norm_title(r["title"]):
            title_ok += 1
        else:
            misses["title"].append((r["id"], r["title"], page.get("title")))
    n_auth = sum(1 for r in rows if r.get("authors"))
    return {"pages": len(rows), "date_same_day": f"{date_ok}/{len(rows)}", "author_found": f"{author_ok}/{n_auth}",
            "title_equal": f"{title_ok}/{len(rows)}", "pages_per_s": round(len(rows) / (time.perf_counter() - t0), 1),
            "misses": misses}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--wcxb", action="store_true", help="only WCXB's bodies, per split, with its word F1")
    args = ap.parse_args()
    if args.wcxb:
        wcxb = wcxb_body_bench(args.limit)
        if args.json:
            print(json.dumps(wcxb, indent=1))
            return
        print(f"Body text, WCXB: {wcxb['pages']} pages, mean word F1 (P / R), {wcxb['pages_per_s']} pages/s")
        print("| split | newsloom | trafilatura defaults | trafilatura best |\n|---|---|---|---|")
        for split in ("TRAIN", "TUNE", "REPORT"):
            cells = [f"{r['f1']:.4f} ({r['precision']:.3f} / {r['recall']:.3f})"
                     for r in (wcxb[split][n] for n in ("newsloom", "trafilatura_defaults", "trafilatura_best"))]
            print(f"| {split} ({wcxb[split]['newsloom']['pages']}) | " + " | ".join(cells) + " |")
        return
    bodies = {which: body_bench(args.limit, which) for which in SETS}
    meta = metadata_bench(args.limit)
    if args.json:
        print(json.dumps({"body": bodies, "metadata": meta}, indent=1, default=str))
        return
    for which, body in bodies.items():
        print(f"Body text, {which}: {body['pages']} pages (shared scorer)")
        print(f"{'':24}{'P':>8}{'R':>8}{'F1':>8}{'acc':>8}{'pages/s':>9}")
        for name in ("newsloom", "trafilatura_defaults", "trafilatura_best"):
            r = body[name]
            print(f"{name:24}{r['precision']:8.3f}{r['recall']:8.3f}{r['f1']:8.3f}{r['accuracy']:8.3f}"
                  f"{r.get('pages_per_s', float('nan')):9.1f}")
        print(f"pages where newsloom is worse than trafilatura's best by > 0.05 F1: {body['worse_than_best_by_0.05']}\n")
    print(f"\nMetadata, {meta['pages']} news pages: date on the right day {meta['date_same_day']}, "
          f"author found {meta['author_found']}, title equal {meta['title_equal']} ({meta['pages_per_s']} pages/s)")
    for k, v in meta["misses"].items():
        for m in v:
            print(f"  {k} miss: {m}")


if __name__ == "__main__":
    main()

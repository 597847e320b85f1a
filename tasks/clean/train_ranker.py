"""Rebuild the metadata ranker from WCXB's 791 labelled pages (../shared/eval/wcxb).

    python -m tasks.clean.train_ranker                  # -> tasks/clean/model/metadata_ranker.json, figures per split
    python -m tasks.clean.train_ranker --out /tmp/m.json --limit 60     # a smoke run

The pages are split once, by a hash of their id, before any figure was looked at: TRAIN (60%) fits the
weights, TUNE (20%) chooses the regularisation and each field's abstention threshold, REPORT (20%) is only
reported.  Every page is cleaned as the clean stage cleans it (``clean_html_page`` without the ranker), so
the candidates are the ones the pipeline sees.  The ranker is a conditional logit (each page chooses one of
its values, or none), fitted with SciPy's L-BFGS from zero weights: deterministic, so the weights, written
rounded and with sorted keys, come out byte for byte the same from the same data.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

SPLITS = {"TRAIN": range(0, 6), "TUNE": range(6, 8), "REPORT": range(8, 10)}  # tenths of the id hash
L2_GRID = (0.01, 0.1, 0.3, 1.0, 3.0)
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(0, 19))
WEIGHT_DIGITS = 6  # rounding of the shipped weights: a dot product needs no more, and the file stays stable
# on TUNE, a wrong answer costs as much as a right one gains, on the pages that have a label: abstain below
# even odds.  An answer on a page labelled with none is reported, not counted: WCXB leaves a field unlabelled
# where its labeller found none, which is not proof that the page has none
WRONG_COST = 1.0
# A date is chosen as the publication date (issue 31: "published" beats "modified").  Some labels give the
# update date a page shows, and a free fit learns to prefer modified dates from them; a feature that says a
# date is a modification or an update may only count against it (an upper bound of 0 on its weight).
MODIFIED_ONLY = "modified_only"  # the ranker's feature of a value that only modifications give


def says_not_published(feature: str) -> bool:
    """A feature of a value given as a modification: its kind (tasks.clean.ranker.is_modification, the test the
    run time uses too) or ``modified_only``."""
    from tasks.clean.ranker import is_modification

    return feature == MODIFIED_ONLY or feature.startswith("kind:") and is_modification(feature.removeprefix("kind:"))


def default_corpus() -> Path:
    return Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "wcxb"


def split_of(page_id: str) -> str:
    tenth = int(hashlib.sha256(page_id.encode()).hexdigest(), 16) % 10
    return next(name for name, r in SPLITS.items() if tenth in r)


def load_pages(corpus: Path, limit: int | None = None) -> list[dict]:
    """Each page's truth, split, url and candidates, as the clean stage would see them."""
    from tasks.clean.candidates import page_candidates
    from tasks.clean.pages import Rejected, clean_html_page

    rows = [json.loads(line) for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    pages = []
    for r in rows[:limit]:
        html = gzip.open(corpus / r["html"], "rt", encoding="utf-8", errors="replace").read()
        try:
            answers = clean_html_page(html, r["url"], rank=False)
        except Rejected:
            answers = {}
        pages.append({"id": r["id"], "split": split_of(r["id"]), "url": r["url"], "answers": answers,
                      "gold": {"date": r["published"], "author": r["author"], "title": r["title"]},
                      "candidates": page_candidates(html, r["url"], answers.get("text"), answers)})
    return pages


def is_right(field: str, value, gold) -> bool:
    """The scoring of issue 31: the publication day (or month, where the label gives only one), the first
    author after folding, a title with token overlap of at least 0.8."""
    from tasks.clean.ranker import author_names, fold, token_f1

    if value is None or gold is None:
        return False
    if field == "date":
        return value.date().isoformat().startswith(gold)
    if field == "author":
        ours, theirs = author_names(str(value)), author_names(gold)
        return bool(ours and theirs) and fold(ours[0]) == fold(theirs[0])
    return token_f1(str(value), gold) >= 0.8


def page_groups(pages: list[dict], field: str) -> list[tuple[list[dict], list[int]]]:
    """Per page: the features of each of its values, and the indices of the right ones (often one; a
    title can be right in several spellings; none where the page offers no right value)."""
    from tasks.clean.ranker import field_values

    groups = []
    for p in pages:
        values = field_values(field, p["candidates"], p["url"])
        right = [i for i, (v, _) in enumerate(values) if is_right(field, v.shown, p["gold"][field])]
        groups.append(([feats for _, feats in values], right))
    return groups


def fit(groups: list[tuple[list[dict], list[int]]], l2: float) -> dict:
    """A conditional logit: each page chooses one of its values or none (a score of 0), and the weights
    maximise the likelihood that it chooses a right one (none, where no value is right), with an L2
    penalty.  L-BFGS from zero weights over the pages in file order: the same data gives the same weights."""
    import numpy as np
    from scipy.optimize import minimize

    names = sorted({k for feats, _ in groups for f in feats for k in f})
    index = {n: i for i, n in enumerate(names)}
    mats = []
    for feats, right in groups:
        if feats:
            x = np.zeros((len(feats), len(names)))
            for i, f in enumerate(feats):
                for k, v in f.items():
                    x[i, index[k]] = v
            mats.append((x, np.array(right, dtype=int)))

    def loss(w):
        total, grad = l2 * float(w @ w), 2 * l2 * w
        for x, right in mats:
            s = x @ w
            top = max(0.0, float(s.max()))
            e = np.exp(s - top)
            z = float(np.exp(-top) + e.sum())
            if len(right):  # -log of the probability of the right values together
                good = float(e[right].sum())
                total -= float(np.log(good)) - float(np.log(z))
                grad = grad + x.T @ (e / z) - x[right].T @ (e[right] / good)
            else:  # -log of the probability of "none"
                total -= -top - float(np.log(z))
                grad = grad + x.T @ (e / z)
        return total, grad

    bounds = [(None, 0.0) if says_not_published(n) else (None, None) for n in names]
    w = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B", bounds=bounds).x if names else []
    return {"l2": l2, "coef": {n: round(float(v), WEIGHT_DIGITS) for n, v in zip(names, w)}, "threshold": 0.0}


def field_figures(pages: list[dict], field: str, weights: dict) -> dict:
    """right, wrong and abstained over the pages that have a label, and answers on pages that have none."""
    from tasks.clean.ranker import choose

    right = wrong = none = unlabelled_answers = 0
    for p in pages:
        choice = choose(field, p["candidates"], p["url"], {field: weights})
        gold = p["gold"][field]
        if not gold:
            unlabelled_answers += choice is not None
        elif choice is None:
            none += 1
        elif is_right(field, choice.value, gold):
            right += 1
        else:
            wrong += 1
    return {"right": right, "wrong": wrong, "abstained": none, "labelled": right + wrong + none,
            "answers_where_unlabelled": unlabelled_answers}


def tune(train: list[dict], tune_pages: list[dict], field: str) -> tuple[dict, dict]:
    """The weights fitted on TRAIN with the L2 penalty and the threshold that do best on TUNE."""
    groups = page_groups(train, field)
    best, best_gain = None, None
    for l2 in L2_GRID:
        weights = fit(groups, l2)
        for t in THRESHOLDS if field != "title" else (0.0,):  # every page has a title: never abstain
            f = field_figures(tune_pages, field, {**weights, "threshold": t})
            # on a tie, the more right answers: the answers one setting adds over the other were then right as
            # often as wrong (even odds, where WRONG_COST is indifferent), and the figure counts an
            # abstention as a miss
            gain = (f["right"] - WRONG_COST * f["wrong"], f["right"])
            if best_gain is None or gain > best_gain:
                best, best_gain = {**weights, "threshold": t}, gain
    return best, {"l2": best["l2"], "threshold": best["threshold"]}


def baseline_figures(pages: list[dict], field: str) -> dict:
    """The clean stage's answers without the ranker (trafilatura's and htmldate's, with our corrections)."""
    key = {"date": "published_at", "author": "author", "title": "title"}[field]
    right = sum(is_right(field, p["answers"].get(key), p["gold"][field]) for p in pages if p["gold"][field])
    labelled = sum(1 for p in pages if p["gold"][field])
    answered = sum(1 for p in pages if p["gold"][field] and p["answers"].get(key))
    return {"right": right, "wrong": answered - right, "labelled": labelled}


def beats_baseline(pages: list[dict], field: str, weights: dict) -> bool:
    """Whether the ranker should replace the clean stage's own answer for the field: on TUNE it must get
    more pages right and score more right-minus-wrong.  It never trades right answers for abstentions, nor
    more answers for more wrong ones."""
    ours, theirs = field_figures(pages, field, weights), baseline_figures(pages, field)
    return ours["right"] > theirs["right"] and ours["right"] - ours["wrong"] > theirs["right"] - theirs["wrong"]


def train(corpus: Path, out: Path, limit: int | None = None) -> dict:
    pages = load_pages(corpus, limit)
    by_split = {s: [p for p in pages if p["split"] == s] for s in SPLITS}
    model, report = {"version": 1, "trained_on": "WCXB dev, TRAIN split (tasks/clean/train_ranker.py)"}, {}
    for field in ("date", "author", "title"):
        model[field], chosen = tune(by_split["TRAIN"], by_split["TUNE"], field)
        model[field]["apply"] = chosen["apply"] = beats_baseline(by_split["TUNE"], field, model[field])
        report[field] = {"chosen_on_TUNE": chosen, **{
            s: {"ranker": field_figures(ps, field, model[field]), "before": baseline_figures(ps, field)}
            for s, ps in by_split.items()}}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=default_corpus())
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "model" / "metadata_ranker.json")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages (a smoke run)")
    args = ap.parse_args()
    if not (args.corpus / "truth.jsonl").exists():
        sys.exit(f"{args.corpus} holds no truth.jsonl: the ranker trains on ../shared/eval/wcxb")
    print(json.dumps(train(args.corpus, args.out, args.limit), indent=1))


if __name__ == "__main__":
    main()

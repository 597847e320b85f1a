"""Quote and speaker quality on public gold: PolNeAR dev (../shared/eval/quotes), the shared scorer.

    python bench/quotes.py [--split TUNE|REPORT|ALL] [--limit N] [--model en_core_web_sm] [--quote-model PATH]
    python bench/quotes.py --calibrate      # refit the confidence map on TUNE, draw REPORT's reliability curve
    python bench/quotes.py --lang fr        # the French sample gold only (bench/languages.py), with its errors

By default the French sample gold's figures are printed after PolNeAR's (``--lang en`` leaves them out).

DEV is split in two by file order: articles 1-101 choose every setting (TUNE: the tagger's
regularisation and iterations, the calibration map), articles 102-202 are reported (REPORT) and chose
nothing.  The training articles (train.jsonl) are never scored here.

Each gold article goes through the same code as a JSONL article in the pipeline (text verbatim, one spaCy
parse, mentions then quotes).  Predictions carry no ``kind``: the scorer infers it from the marks, so a
``direct,mixed`` figure counts every prediction that could be one.  Reports span P/R/F1 (exact and
overlap), speaker accuracy and joint quote+speaker F1, per finder (``method``), and the seconds per
article of the whole extract stage (parse + mentions + quotes) and of the quote finders alone.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._shared import OUT, SHARED, need, scorer  # noqa: E402

SPLITS = {"TUNE": slice(0, 101), "REPORT": slice(101, None), "ALL": slice(0, None)}


def predict(records: list[dict], model: str, quote_model: str | None = None,
            tagger_kind: str = "encoder") -> tuple[list[dict], dict]:
    """(predictions, seconds) with every quote row's method and confidence kept for the analyses."""
    from newsloom.lang import pack_for
    from newsloom.nlp import NLP_BATCH, dictionary_of, load_nlp
    from tasks.extract import as_written, is_table_code
    from tasks.extract.casing import text_for_model
    from tasks.extract.entities import extract_mentions
    from tasks.identity.keys import load_aliases
    from tasks.quotes.extract import extract_quotes
    from tasks.quotes.model import load_tagger

    nlp, aliases, tagger = load_nlp(model), load_aliases(), load_tagger(quote_model, tagger_kind)
    pack = pack_for("en")  # PolNeAR is English news
    texts = [r["text"] for r in records]
    t0 = time.perf_counter()
    quote_seconds = 0.0
    out = []
    dictionary = dictionary_of(nlp)
    pairs = ((text_for_model(t, pack, dictionary), i) for i, t in enumerate(texts))
    for doc, i in nlp.pipe(pairs, as_tuples=True, batch_size=NLP_BATCH):
        rid = records[i]["id"]
        ms = [m for m in extract_mentions(doc, rid, aliases, pack, dictionary) if not is_table_code(texts[i], m)]
        t1 = time.perf_counter()
        qs = extract_quotes(doc, rid, ms, pack, tagger)
        quote_seconds += time.perf_counter() - t1
        if doc.text != texts[i]:
            as_written(texts[i], ms, qs)
        out.append({"id": rid, "persons": [[m["start_char"], m["end_char"], m["name"]] for m in ms if m["label"] == "PERSON"],
                    "quotes": [
            {"start": q["start_char"], "end": q["end_char"], "speaker": q["speaker"],
             "speaker_surface": q["speaker_surface"], "method": q["method"], "confidence": q["confidence"],
             "speaker_spans": [[q["speaker_start"], q["speaker_end"]]] if q["speaker_start"] is not None else []}
            for q in qs]})
    total = time.perf_counter() - t0
    n = max(1, len(records))
    return out, {"seconds_per_article": round(total / n, 4), "quote_seconds_per_article": round(quote_seconds / n, 4)}


def summarise(res: dict) -> dict:
    o, e = res["overlap"], res["exact"]
    return {"span_f1_overlap": o["quotes"]["f1"], "span_p_overlap": o["quotes"]["precision"],
            "span_r_overlap": o["quotes"]["recall"], "span_f1_exact": e["quotes"]["f1"],
            "speaker_acc_lenient": o["speaker_accuracy_lenient"], "speaker_acc_strict": o["speaker_accuracy_strict"],
            "joint_f1_lenient": o["joint_lenient"]["f1"], "joint_f1_strict": o["joint_strict"]["f1"]}


def judged(sc, gold: list[dict], pred: list[dict]) -> list[tuple[dict, bool]]:
    """Every predicted quote with whether it is right: it overlaps a gold quote (the scorer's overlap
    match) and names that quote's speaker (lenient)."""
    preds = {p["id"]: p["quotes"] for p in pred}
    out = []
    for g in gold:
        ps = preds.get(g["id"], [])
        right = {pi: sc.speaker_ok(g["quotes"][gis[0]], ps[pi], True)
                 for pi, gis in sc.match_doc(g["text"], g["quotes"], ps, "overlap")}
        out.extend((p, bool(right.get(pi, False))) for pi, p in enumerate(ps))
    return out


def by_method(sc, gold: list[dict], pred: list[dict]) -> dict:
    counts: dict[str, dict] = {}
    for p, ok in judged(sc, gold, pred):
        c = counts.setdefault(p["method"], {"quotes": 0, "right": 0})
        c["quotes"] += 1
        c["right"] += ok
    return {m: {**c, "precision_joint": round(c["right"] / c["quotes"], 3)} for m, c in sorted(counts.items())}


def speaker_names(sc, gold: list[dict], pred: list[dict]) -> dict:
    """Whether a row names the person its gold source names, which the scorer cannot see (it matches speakers
    by span, so a wrong name inside the right phrase counts as right).  Judged: the matched rows whose gold
    source is no pronoun and holds, before its first comma, bracket or dash, a person we recognised (the
    part that names the speaker: "Ilse Dorn" in "Ilse Dorn, an adviser to Mayor Tomas Ek").  ``right`` when
    the row's speaker is one of those persons ("Clinton spokesman Nick Merrill" lets both count),
    ``other_name`` when it is someone else (Tomas Ek, there), ``no_name`` when the row names nobody.  Rows
    whose gold source names nobody we recognised ("the governor", "he") are not judged."""
    from tasks.quotes.speakers import DESCRIPTION_OPENS  # where a source phrase's description begins

    preds = {p["id"]: p for p in pred}
    counts = {"judged": 0, "right": 0, "other_name": 0, "no_name": 0}
    for g in gold:
        p = preds.get(g["id"], {"quotes": [], "persons": []})
        for pi, gis in sc.match_doc(g["text"], g["quotes"], p["quotes"], "overlap"):
            gq = g["quotes"][gis[0]]
            if not gq.get("speaker") or gq.get("speaker_is_pronoun") or not gq.get("speaker_spans"):
                continue
            s, e = gq["speaker_spans"][0]
            cut = DESCRIPTION_OPENS.search(g["text"], s, e)
            naming = [name for a, b, name in p["persons"] if s <= a and b <= (cut.start() if cut else e)]
            if not naming:
                continue
            ours = p["quotes"][pi].get("speaker")
            counts["judged"] += 1
            counts["right" if ours in naming else "no_name" if ours is None else "other_name"] += 1
    counts["accuracy"] = round(counts["right"] / max(1, counts["judged"]), 4)
    return counts


def run(split: str = "ALL", limit: int | None = None, model: str = "en_core_web_sm",
        quote_model: str | None = None, tagger_kind: str = "encoder") -> dict:
    sc = scorer("score_quotes")
    gold = sc.load_jsonl(str(need(SHARED / "eval" / "quotes" / "dev.jsonl")))[SPLITS[split]][:limit]
    pred, seconds = predict(gold, model, quote_model, tagger_kind)
    out = {"split": split, "articles": len(gold), "tagger": tagger_kind, **seconds}
    for name, kinds in (("direct", {"direct"}), ("direct,mixed", {"direct", "mixed"}), ("all", None)):
        out[name] = summarise(sc.score(gold, pred, kinds))
    out["by_method"] = by_method(sc, gold, pred)
    out["speaker_names"] = speaker_names(sc, gold, pred)
    out["_pred"], out["_gold"] = pred, gold
    return out


def calibrate(model: str) -> dict:
    """Fit the confidence map on TUNE, then the reliability of REPORT's confidences under that map.  Both
    taggers are fitted: every finder's quotes from a run with the default tagger (the encoder), and the
    CRF's own spans from a run with the CRF, so ``quote_tagger=crf`` is calibrated too."""
    from tasks.quotes import calibration
    from tasks.quotes.model import METHOD as CRF_METHOD

    sc = scorer("score_quotes")
    gold = sc.load_jsonl(str(need(SHARED / "eval" / "quotes" / "dev.jsonl")))
    path = calibration.calibration_path()
    if path.exists():
        path.unlink()  # raw certainties, not the old map's, are what the new map is fitted on
    calibration._maps.cache_clear()
    samples = []
    for kind in ("encoder", "crf"):
        tune_pred, _ = predict(gold[SPLITS["TUNE"]], model, None, kind)
        samples += [(p["method"], p["confidence"], p["speaker"] is not None, ok)
                    for p, ok in judged(sc, gold[SPLITS["TUNE"]], tune_pred) if kind == "encoder" or p["method"] == CRF_METHOD]
    maps = calibration.fit_calibration(samples)
    path.write_text(json.dumps(maps, indent=1) + "\n")
    calibration._maps.cache_clear()
    report_pred, _ = predict(gold[SPLITS["REPORT"]], model)
    pairs = [(p["confidence"], ok) for p, ok in judged(sc, gold[SPLITS["REPORT"]], report_pred)]
    curve = calibration.reliability(pairs)
    ece = sum(b["n"] * abs(b["confidence"] - b["right"]) for b in curve) / max(1, len(pairs))
    plot_reliability(curve, OUT.parent.parent / "docs" / "img" / "quote_reliability.svg")
    return {"groups": {k: v["n"] for k, v in maps.items()}, "report_reliability": curve,
            "report_expected_calibration_error": round(ece, 4)}


def plot_reliability(curve: list[dict], path: Path) -> None:
    """The reliability curve as an SVG for the docs (needs matplotlib: pip install -e '.[bench]')."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot drawn")
        return
    matplotlib.rcParams["svg.hashsalt"] = "newsloom"  # the same curve gives the same file
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfect calibration")
    ax.plot([b["confidence"] for b in curve], [b["right"] for b in curve], marker="o", label="newsloom quotes")
    for b in curve:
        ax.annotate(str(b["n"]), (b["confidence"], b["right"]), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("confidence (mean in bin)")
    ax.set_ylabel("share right (span and speaker)")
    ax.set_title("Quote confidence on PolNeAR DEV, REPORT half", fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=sorted(SPLITS), default="REPORT")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--model", default="en_core_web_sm")
    ap.add_argument("--quote-model", default=None, help="tagger weights (default: the shipped ones)")
    ap.add_argument("--tagger", choices=("encoder", "crf"), default="encoder", help="the quote_tagger setting")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--lang", choices=("all", "en", "fr"), default="all",
                    help="en: PolNeAR only; fr: the French sample gold only; all: both, English first")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.lang == "fr":
        from bench.languages import french_quotes, print_quotes

        print_quotes(french_quotes(show=True))
        return
    if args.calibrate:
        res = calibrate(args.model)
        (OUT / "quotes_calibration.json").write_text(json.dumps(res, indent=1))
        print(json.dumps(res, indent=1))
        return
    res = run(args.split, args.limit, args.model, args.quote_model, args.tagger)
    with open(OUT / f"quotes_pred_{args.split}.jsonl", "w") as fh:
        for p in res["_pred"]:
            fh.write(json.dumps(p) + "\n")
    print(f"PolNeAR dev {res['split']}, {res['tagger']} tagger, {res['articles']} articles, {res['seconds_per_article']} s/article "
          f"(parse + mentions + quotes), {res['quote_seconds_per_article']} s/article in the quote finders")
    print(f"{'kinds':14}{'span F1 ovl':>12}{'P':>7}{'R':>7}{'exact F1':>10}{'spk acc':>9}{'joint F1':>10}{'joint strict':>13}")
    for name in ("direct", "direct,mixed", "all"):
        r = res[name]
        print(f"{name:14}{r['span_f1_overlap']:12.3f}{r['span_p_overlap']:7.3f}{r['span_r_overlap']:7.3f}"
              f"{r['span_f1_exact']:10.3f}{r['speaker_acc_lenient']:9.3f}{r['joint_f1_lenient']:10.3f}{r['joint_f1_strict']:13.3f}")
    print("by method (a quote is right when it overlaps a gold quote and names its speaker):")
    for m, c in res["by_method"].items():
        print(f"  {m:22}{c['quotes']:7} quotes{c['precision_joint']:8.3f} right")
    n = res["speaker_names"]
    print(f"speaker names (rows whose gold source holds a person we recognised): {n['judged']} judged, "
          f"{n['accuracy']:.3f} name one of them; {n['other_name']} another name, {n['no_name']} no name")
    if args.lang == "all":
        from bench.languages import french_quotes, print_quotes

        print()
        print_quotes(french_quotes())


if __name__ == "__main__":
    main()

"""Rebuild the attribution tagger from PolNeAR's training articles.

    python -m tasks.quotes.train                      # ../shared/eval/quotes/train.jsonl -> the shipped weights
    python -m tasks.quotes.train --limit 5 --iterations 3 --out /tmp/m.crfsuite   # a smoke run

Every article is read as the pipeline reads it (lines in capitals title-cased, one spaCy parse with the
configured model), its gold attributions become BIO labels per paragraph (``features.gold_labels``), and
a linear-chain CRF is trained with L-BFGS and elastic-net regularisation.  L-BFGS from zero weights over
articles in file order is deterministic, so the same data and settings give the same weights; ``--seed``
only fixes the order of articles, which is kept as read unless ``--shuffle`` is given.  Settings were
chosen on the TUNE half of DEV (docs/quote-model.md); never on the training articles.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

DEFAULTS = {"c1": 2.0, "c2": 0.001, "iterations": 300, "min_freq": 2}


TRAINING_LANGUAGE = "en"  # PolNeAR (../shared/eval/quotes) is English news: the tagger reads English


def default_train_path() -> Path:
    return Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "quotes" / "train.jsonl"


def parse_articles(records: list[dict], model: str = "en_core_web_sm", n_process: int = 1):
    """Docs of the articles' texts, parsed exactly as the extract stage parses them."""
    from newsloom.lang import pack_for
    from newsloom.nlp import dictionary_of, load_nlp
    from tasks.extract.casing import text_for_model

    nlp, pack = load_nlp(model), pack_for("en")  # PolNeAR is English news
    dictionary = dictionary_of(nlp)
    return list(nlp.pipe((text_for_model(r["text"], pack, dictionary) for r in records), batch_size=8,
                         n_process=n_process))


def training_sequences(records: list[dict], docs) -> list[tuple[list[list[str]], list[str]]]:
    from newsloom.lang import pack_for
    from tasks.quotes.features import doc_features, gold_labels

    pack = pack_for(TRAINING_LANGUAGE)
    out = []
    for rec, doc in zip(records, docs):
        paras, feats = doc_features(doc, pack)
        for seq, labels in zip(feats, gold_labels(doc, paras, rec["quotes"])):
            if seq:
                out.append((seq, labels))
    return out


def train(sequences, out: Path, c1: float, c2: float, iterations: int, min_freq: int) -> dict:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for seq, labels in sequences:
        trainer.append(seq, labels)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.minfreq": min_freq,
                        "feature.possible_transitions": True})
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    trainer.train(str(out))
    return {"seconds": round(time.perf_counter() - t0, 1), "iterations": trainer.logparser.last_iteration,
            "bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> dict:
    from tasks.quotes.model import default_model_path

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path, default=default_train_path())
    ap.add_argument("--out", type=Path, default=default_model_path())
    ap.add_argument("--model", default="en_core_web_sm", help="spaCy pipeline that parses the articles")
    ap.add_argument("--limit", type=int, default=None, help="first N articles only (smoke runs)")
    ap.add_argument("--iterations", type=int, default=DEFAULTS["iterations"])
    ap.add_argument("--c1", type=float, default=DEFAULTS["c1"])
    ap.add_argument("--c2", type=float, default=DEFAULTS["c2"])
    ap.add_argument("--min-freq", type=int, default=DEFAULTS["min_freq"])
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--shuffle", action="store_true")
    ap.add_argument("--processes", type=int, default=1)
    args = ap.parse_args(argv)
    if not args.train.is_file():
        sys.exit(f"training data not found: {args.train}")
    records = [json.loads(line) for line in args.train.open(encoding="utf-8") if line.strip()][:args.limit]
    if args.shuffle:
        random.Random(args.seed).shuffle(records)
    t0 = time.perf_counter()
    docs = parse_articles(records, args.model, args.processes)
    sequences = training_sequences(records, docs)
    parsed = time.perf_counter() - t0
    info = train(sequences, args.out, args.c1, args.c2, args.iterations, args.min_freq)
    info.update({"articles": len(records), "sequences": len(sequences), "parse_seconds": round(parsed, 1),
                 "out": str(args.out)})
    print(json.dumps(info))
    return info


if __name__ == "__main__":
    main()

"""Entity ids do not depend on the order of runs: one corpus in one run, in halves A then B, and in halves B
then A, through the real flow, compared mention by mention.

    python bench/run_order.py                                   # PolNeAR DEV (../shared/eval/quotes/dev.jsonl)
    python bench/run_order.py --corpus path/to/articles.jsonl   # any JSONL of {"id", "text"}

Every article goes in as a JSONL line (its text verbatim).  A mention is keyed by its article's source and
its offsets; it agrees when its entity_id and label are the same in the two runs compared.  Articles that
deduplication keeps in one order and marks as a copy in another are left out (which copy is the original
may depend on the order; their mentions then belong to another article).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._shared import SHARED, need  # noqa: E402


def write_half(records: list[dict], folder: Path) -> None:
    folder.mkdir(parents=True)
    with (folder / "articles.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({"id": r["id"], "text": r["text"]}) + "\n")


def run_in_order(batches: list[list[dict]], root: Path):
    import pandas as pd

    from flows.pipeline import news_pipeline

    out = root / "out"
    for i, batch in enumerate(batches):
        write_half(batch, root / f"in{i}")
        news_pipeline(sources=[str(root / f"in{i}")], out=str(out), workers=1)
    articles = pd.read_parquet(out / "articles", columns=["article_id", "source", "dup_of"])
    articles["doc"] = articles["source"].str.split("#").str[-1]
    mentions = pd.read_parquet(out / "mentions", columns=["article_id", "start_char", "end_char", "entity_id",
                                                          "label", "name"])
    mentions = mentions.merge(articles[["article_id", "doc"]], on="article_id")
    return mentions.set_index(["doc", "start_char", "end_char"]).sort_index(), articles


def agreement(a, b) -> tuple[int, float, float]:
    """(mentions compared, share with the same entity_id, share with the same label)."""
    both = a.merge(b, left_index=True, right_index=True, suffixes=("", "_b"))
    return len(both), (both.entity_id == both.entity_id_b).mean(), (both.label == both.label_b).mean()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(SHARED / "eval" / "quotes" / "dev.jsonl"))
    args = ap.parse_args()
    records = [json.loads(line) for line in need(Path(args.corpus)).read_text(encoding="utf-8").splitlines()
               if line.strip()]
    half = len(records) // 2
    a, b = records[:half], records[half:]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        whole, _ = run_in_order([a + b], tmp / "one")
        ab, _ = run_in_order([a, b], tmp / "ab")
        ba, _ = run_in_order([b, a], tmp / "ba")
    print(f"{len(records)} articles ({args.corpus}), {len(whole)} mentions in one run")
    for name, other in (("A then B", ab), ("B then A", ba)):
        n, same_id, same_label = agreement(whole, other)
        print(f"  one run vs {name}: {n} mentions compared, same entity_id {same_id:.4f}, same label {same_label:.4f}")
    n, same_id, same_label = agreement(ab, ba)
    print(f"  A then B vs B then A: {n} mentions compared, same entity_id {same_id:.4f}, same label {same_label:.4f}")


if __name__ == "__main__":
    main()

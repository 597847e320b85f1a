"""Helpers for the benches: where ../shared is, and its scorers loaded as modules."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"


def need(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"{path} is not available here; the benches read the shared evaluation corpora")
    return path


def scorer(name: str):
    """Load ../shared/eval/<name>.py as a module."""
    path = need(SHARED / "eval" / f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"shared_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def jsonl_documents(docs: list[dict]):
    """A ``documents`` table of gold documents ({"id", "text"}) fed as JSONL articles: the text is kept
    verbatim, so the offsets of the pipeline's rows are the gold's."""
    import json
    from datetime import datetime, timezone

    from newsloom import schemas

    now = datetime.now(timezone.utc)
    return schemas.from_rows([{
        "doc_id": d["id"], "source": d["id"], "fetched_at": now, "media_type": "application/x-ndjson",
        "content": json.dumps({"id": d["id"], "text": d["text"]}).encode(), "run_id": "bench"} for d in docs],
        schemas.DOCUMENTS)

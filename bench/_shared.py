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

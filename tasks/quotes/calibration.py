"""Calibrated confidence: among quotes with confidence near c, about c have the right span and speaker.

Each finder gives a raw certainty (the tagger's mean marginal probability, a speaker rule's fixed
confidence).  ``fit_calibration`` maps raw certainty to the share of quotes that were right on the
TUNE half of PolNeAR DEV, per finder and per whether the speaker was resolved to an entity, with
isotonic regression (monotone: a higher raw certainty never gets a lower confidence).  The map ships as
``tasks/quotes/model/calibration.json``; ``bench/quotes.py --calibrate`` refits it and draws the
reliability curve of the REPORT half (docs/quote-model.md).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

CALIBRATION_FILE = "calibration.json"
MIN_SAMPLES = 30  # a group with fewer quotes than this keeps raw certainty


def calibration_path() -> Path:
    return Path(str(resources.files("tasks.quotes") / "model" / CALIBRATION_FILE))


def _key(method: str, resolved: bool) -> str:
    """The calibration group: the finder (the rules for reported speech pooled: each alone is too rare to
    fit), and whether the speaker was resolved to an entity."""
    group = "rules" if method.startswith("rule_") else method
    return f"{group}|{'resolved' if resolved else 'unresolved'}"


@lru_cache(maxsize=1)
def _maps() -> dict:
    path = calibration_path()
    return json.loads(path.read_text()) if path.is_file() else {}


def calibrate(method: str, raw: float, resolved: bool) -> float:
    m = _maps().get(_key(method, resolved))
    if m is None:
        return round(float(raw), 3)
    return round(float(np.interp(raw, m["x"], m["y"])), 3)


def fit_calibration(samples: list[tuple[str, float, bool, bool]]) -> dict:
    """{group: {"x": raw certainties, "y": share right, "n": quotes}} from (method, raw, resolved, right)."""
    from scipy.optimize import isotonic_regression

    groups: dict[str, list[tuple[float, bool]]] = {}
    for method, raw, resolved, right in samples:
        groups.setdefault(_key(method, resolved), []).append((float(raw), bool(right)))
    out = {}
    for key, pts in sorted(groups.items()):
        if len(pts) < MIN_SAMPLES:
            continue
        pts.sort()
        xs = np.array([p[0] for p in pts])
        fit = isotonic_regression(np.array([float(p[1]) for p in pts])).x
        # one point per distinct raw value (the fit is flat across ties)
        ux, idx = np.unique(xs, return_index=True)
        last = np.r_[idx[1:] - 1, len(xs) - 1]
        out[key] = {"x": [round(float(v), 4) for v in ux], "y": [round(float(fit[i]), 4) for i in last],
                    "n": len(pts)}
    return out


def reliability(pairs: list[tuple[float, bool]], bins: int = 10) -> list[dict]:
    """Per confidence bin: quotes, mean confidence, share right (the reliability curve's points)."""
    out = []
    for k in range(bins):
        lo, hi = k / bins, (k + 1) / bins
        inb = [(c, r) for c, r in pairs if lo <= c < hi or (k == bins - 1 and c == 1.0)]
        if inb:
            out.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(inb),
                        "confidence": round(sum(c for c, _ in inb) / len(inb), 3),
                        "right": round(sum(r for _, r in inb) / len(inb), 3)})
    return out

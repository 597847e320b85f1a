"""A found quote as a ``quotes`` row: the one place that builds them, for every quote finder."""
from __future__ import annotations

from newsloom.util import sha
from tasks.quotes.calibration import calibrate
from tasks.quotes.model import MODEL_METHODS
from tasks.quotes.speakers import Found


def quote_row(article_id: str, text: str, f: Found) -> dict:
    sp = f.speaker
    raw = f.score if f.method in MODEL_METHODS else (sp.confidence if sp else 0.3)
    return {
        "quote_id": sha(article_id, f.kind, f.start, f.end, n=16),
        "article_id": article_id,
        "text": text[f.start:f.end],
        "start_char": f.start, "end_char": f.end, "kind": f.kind,
        "speaker": sp.name if sp else None,
        "speaker_entity_id": sp.entity_id if sp else None,
        "speaker_surface": text[sp.surface_start:sp.surface_end] if sp else None,
        "speaker_start": sp.surface_start if sp else None,
        "speaker_end": sp.surface_end if sp else None,
        "cue": sp.cue if sp else None,
        "attribution": sp.attribution if sp else "none",
        "confidence": calibrate(f.method, raw, sp is not None and sp.entity_id is not None),
        "utterance_id": sha(article_id, "u", f.utterance, n=16),
        "method": f.method,
    }

"""One JSONL line as an article record: checked once, in one place, for the stages that read them (fetch
takes the line as a document, clean reads its fields)."""
from __future__ import annotations

import json


class BadRecord(ValueError):
    """A JSONL line that is not an article record; ``reason`` is a reject reason (newsloom.rejects)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def parse_record(line: bytes) -> dict:
    """The JSON object of one line, with a string ``text``; BadRecord (invalid_json, missing_text) otherwise."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRecord("invalid_json", str(exc)) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise BadRecord("missing_text", "no string field 'text'")
    return obj

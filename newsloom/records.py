"""One JSONL line as an article record: checked once, in one place, for the stages that read them (fetch
takes the line as a document, clean reads its fields)."""
from __future__ import annotations

import json

# the optional fields a record's article takes as written (README, "Running it on your own news"): strings or null
STRING_FIELDS = ("url", "title", "author", "published_at", "source", "site")


class BadRecord(ValueError):
    """A JSONL line that is not an article record; ``reason`` is a reject reason (newsloom.rejects)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def parse_record(line: bytes) -> dict:
    """The JSON object of one line, with a string ``text`` and strings (or nulls) in ``STRING_FIELDS``;
    BadRecord (invalid_json, missing_text, invalid_field) otherwise."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRecord("invalid_json", str(exc)) from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise BadRecord("missing_text", "no string field 'text'")
    for name in STRING_FIELDS:
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise BadRecord("invalid_field", f"field {name!r} is a {type(obj[name]).__name__}, not a string")
    return obj

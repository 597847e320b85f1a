"""Quotations and who said them.

A language pack names its quote finder (``quote_finder`` in ``newsloom/lang/<code>.json``); ``FINDERS``
maps that name to the function.  Every finder takes (doc, article_id, mentions, pack, tagger) and returns
``quotes`` rows:

- ``attribution_tagger`` (tasks.quotes.extract): quotation marks, the trained attribution tagger and the
  rules for the forms it misses; for a language the tagger was trained on;
- ``lexicon_rules`` (tasks.quotes.lexical): quotation marks and the frames around them, from the pack's
  words alone; for any language with a parser.
"""
from __future__ import annotations

from typing import Callable

from tasks.quotes.extract import extract_quotes
from tasks.quotes.lexical import extract_lexical_quotes

FINDERS: dict[str, Callable[..., list[dict]]] = {
    "attribution_tagger": extract_quotes,
    "lexicon_rules": extract_lexical_quotes,
}


def finder_for(pack) -> Callable[..., list[dict]] | None:
    """The quote finder a pack names (None for a pack that names none); a name we do not know is an error
    in the pack's file."""
    if pack is None or pack.quote_finder is None:
        return None
    if pack.quote_finder not in FINDERS:
        raise ValueError(f"newsloom/lang/{pack.code}.json: quote_finder {pack.quote_finder!r} is not one of "
                         f"{sorted(FINDERS)}")
    return FINDERS[pack.quote_finder]


def needs_tagger(pack) -> bool:
    return pack is not None and pack.quote_finder == "attribution_tagger"

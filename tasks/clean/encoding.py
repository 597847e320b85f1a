"""Mojibake repaired after the fact: text that was UTF-8, read once more as Windows-1252 or Latin-1 by the
site that published it ("Investorâ€™s" for "Investor’s", "cafÃ©" for "café").  The bytes decoded
right (``tasks.clean.decode_content`` tries UTF-8 first); the page itself carries the damage, often in its
title and its body alike.  ftfy judges whether a string is such damage and undoes it; its ``fix_encoding``
changes nothing else (curly quotes, widths and ligatures stay as written)."""
from __future__ import annotations

import re

# a UTF-8 lead byte's character in Windows-1252 (Â to ï), then a continuation byte's (\x80-\xbf, or the
# characters Windows-1252 gives those bytes), or "Â" before a space (a no-break space's bytes, the space
# since normalised): the mark of every such mix-up.  Text without it is left alone without asking ftfy,
# whose judgement costs about 3 ms per 10,000 characters
MOJIBAKE_MARK = re.compile(
    "[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]|\u00c2 ")
REPAIRED_FIELDS = ("title", "author", "text")


def repaired(value: str | None) -> str | None:
    """``value`` with its mojibake undone line by line, or as it is when it holds none.  Line by line, because
    one line whose damage cannot be undone (bytes the site lost) would make ftfy leave the whole text."""
    if not value or MOJIBAKE_MARK.search(value) is None:
        return value
    import ftfy  # only for the pages that show the mark

    return "\n".join(ftfy.fix_encoding(line) if MOJIBAKE_MARK.search(line) else line for line in value.split("\n"))


def with_repaired_encoding(page: dict) -> dict:
    """A cleaned page with its title, author and text repaired."""
    return {**page, **{k: repaired(page[k]) for k in REPAIRED_FIELDS if isinstance(page.get(k), str)}}

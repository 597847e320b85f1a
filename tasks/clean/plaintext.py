"""Plain text as its writer laid it out: hard-wrapped lines joined into paragraphs, and a sentence that a
page's copy broke over two paragraphs made whole again.

The text cleaner (``tasks.clean.clean_text_page``) reads one paragraph per line, as a page copied from a
browser has it.  Wire copy, e-mail and many archives wrap their lines at a fixed width instead, with blank
lines between paragraphs; read line by line, most of their lines end without punctuation and look like
menu items, and the story would lose them.  Both functions work on any script that has letter case.
"""
from __future__ import annotations

from functools import lru_cache

from newsloom.lang import all_packs
from tasks.clean.boilerplate import LIST_ITEM, SENTENCE_END

# the width that hard-wrapped text wraps at is 60 to 80 columns (e-mail, wire copy; RFC 3676 asks for 78 or
# fewer); a file whose long lines run past this is written one paragraph per line, and is left as it is
MAX_WRAP_WIDTH = 100
# below this, lines are too short to tell a wrap from a list of short items
MIN_WRAP_WIDTH = 40
# the wrap width is read as this quantile of the line lengths, so that one long line (a URL) does not set it
WIDTH_QUANTILE = 0.9
# in a hard-wrapped file most lines that another line follows in their paragraph are near the width: at
# least this share of them ...
MIN_FULL_SHARE = 0.5
# ... at this fraction of the width or more (a wrap leaves up to one word's room at a line's end)
FULL_LINE = 0.7


@lru_cache(maxsize=1)
def opening_marks() -> str:
    """Every pack's opening quotation marks: a text's language is not known when it is cleaned."""
    return "".join(sorted(set().union(*(pack.marks.openers for pack in all_packs()))))


def wrap_width(lines: list[str]) -> int | None:
    """The width the text is hard-wrapped at, or None when it is not hard-wrapped: a width of 40 to 100
    columns, and most lines that another line follows in their block reach near it (the last line of a
    paragraph can be any length)."""
    widths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(widths) < 4:
        return None
    width = widths[int(WIDTH_QUANTILE * (len(widths) - 1))]
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH:
        return None
    inner = [len(line.rstrip()) for line, nxt in zip(lines, lines[1:]) if line.strip() and nxt.strip()]
    full = sum(1 for w in inner if w >= FULL_LINE * width)
    return width if inner and full >= MIN_FULL_SHARE * len(inner) else None


def _wrapped_before(line: str, nxt: str, width: int) -> bool:
    """``line`` ends where the writer's editor wrapped it: the next line's first word would not have fit."""
    if not line.strip() or not nxt.strip() or LIST_ITEM.match(nxt):
        return False
    return len(line.rstrip()) + 1 + len(nxt.split()[0]) > width


def unwrap_hard_wrapped(raw: str) -> str:
    """``raw`` with the lines of each hard-wrapped paragraph joined into one line; unchanged when the text is
    not hard-wrapped (one paragraph per line, as a copied page has it)."""
    lines = raw.split("\n")
    width = wrap_width(lines)
    if width is None:
        return raw
    out = [lines[0]]
    for prev, line in zip(lines, lines[1:]):
        if _wrapped_before(prev, line, width):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


# a line this short that ends without punctuation is a menu item or a label ("Share this"), not a sentence
# that a copy broke: it is never joined to the next line
MIN_BROKEN_WORDS = 4


def continues_sentence(line: str, nxt: str) -> bool:
    """``nxt`` goes on with the sentence that ``line`` left open: no sentence end before the break and a
    lower-case first letter after it (an opening quotation mark aside): 'He said that the union' then
    '"is right to be angry."'.  Edited prose never opens a paragraph in lower case."""
    if len(line.split()) < MIN_BROKEN_WORDS or SENTENCE_END.search(line) or LIST_ITEM.match(nxt):
        return False
    head = nxt.lstrip().lstrip(opening_marks())
    return bool(head) and head[0].islower()


def join_broken_sentences(raw: str) -> str:
    """``raw`` with each line that goes on with the open sentence of the line before it (one blank line
    between them at most) joined to that line."""
    out: list[str] = []
    last = None  # the index in ``out`` of the last line with text
    for line in raw.split("\n"):
        if line.strip() and last is not None and len(out) - last <= 2 and continues_sentence(out[last], line):
            out[last] = out[last].rstrip() + " " + line.strip()
            del out[last + 1:]  # the blank line between the two parts
            continue
        out.append(line)
        if line.strip():
            last = len(out) - 1
    return "\n".join(out)

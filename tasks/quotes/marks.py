"""Quotation marks: the spans inside them, paired per paragraph and continued across paragraphs.

Every kind of mark the lexicon lists (straight and curly double quotes, curly single quotes, « », „ “,
″); an apostrophe between letters is never a mark.  A quote left open at a paragraph's end continues when
the next paragraph opens with a mark (a multi-paragraph quote); an unbalanced mark is dropped and the rest
of the paragraph is read again after it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from newsloom.lang import QuoteMarks

WORD = re.compile(r"\w+")


@dataclass
class Segment:
    start: int  # content start (after the mark)
    end: int  # content end (before the mark)
    utterance: int
    open_at_end: bool = False  # continues in the next paragraph


def _is_apostrophe(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return prev.isalnum() and nxt.isalnum() or (prev.lower() == "s" and not nxt.isalnum() and text[i] == "’" and False)


def _opens_only(text: str, i: int) -> bool:
    """A straight mark with a space (or line start) before it and a word right after it opens a quote and
    cannot close one: ``said. "Everybody``."""
    prev = text[i - 1] if i > 0 else "\n"
    nxt = text[i + 1] if i + 1 < len(text) else " "
    return (prev.isspace() or prev in "([{—–") and nxt.isalnum()


@dataclass
class _Open:
    """A quotation mark still open: where, which mark, and the marks that close it."""
    pos: int
    opener: str
    closers: str


def find_quote_segments(text: str, marks: QuoteMarks) -> list[Segment]:
    """Spans inside quotation marks (a language pack's ``marks``), paired per paragraph, continued across
    paragraphs.

    Two apostrophes (``''``, the double mark of some newspapers' archives) count as one straight
    double mark: the text is read with each ``''`` as ``" `` (same length, so offsets hold)."""
    if "''" in text:
        text = text.replace("''", '" ')
    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text)]
    segments: list[Segment] = []
    utter = 0
    carry: _Open | None = None  # a quote left open at the previous paragraph's end
    for pi, (ps, pe) in enumerate(paras):
        pairs, still_open = _scan_paragraph(text, ps, pe, marks, _continued(text, ps, pe, carry, marks))
        carry = None
        for a, b in pairs:
            segments.append(Segment(a, b, utter))
            utter += 1
        if still_open is None:
            continue
        nxt = paras[pi + 1] if pi + 1 < len(paras) else None
        symmetric = marks.symmetric
        continues = nxt is not None and (text[nxt[0]] == still_open.opener or text[nxt[0]] in symmetric
                                         and still_open.opener in symmetric)
        if continues and still_open.opener not in "‘‚":
            segments.append(Segment(still_open.pos + 1, pe, utter, open_at_end=True))
            carry = still_open
        else:
            # unbalanced: forget this mark and read the rest of the paragraph again after it
            for s in find_quote_segments_in(text, still_open.pos + 1, pe, marks):
                segments.append(Segment(s[0], s[1], utter))
                utter += 1
    return _trim(text, segments)


def _continued(text: str, ps: int, pe: int, carry: _Open | None, marks: QuoteMarks) -> _Open | None:
    """A quote continued from the previous paragraph: this one opens with the same mark again."""
    if carry is None or ps >= pe:
        return None
    if text[ps] == carry.opener or text[ps] in marks.symmetric and carry.opener in marks.symmetric:
        return _Open(ps, carry.opener, carry.closers)
    return None


def _scan_paragraph(text: str, ps: int, pe: int, marks: QuoteMarks,
                    open_: _Open | None) -> tuple[list[tuple[int, int]], _Open | None]:
    """(the quoted spans closed in the paragraph [ps, pe), the mark still open at its end)."""
    open_close, symmetric = marks.open_close, marks.symmetric
    pairs = []
    i = open_.pos + 1 if open_ is not None else ps
    while i < pe:
        ch = text[i]
        if open_ is None:
            if ch in open_close and not (ch in "‘‚" and _is_apostrophe(text, i)):
                if not (ch == "‘" and i > ps and text[i - 1].isalnum()):
                    open_ = _Open(i, ch, open_close[ch])
            elif ch in symmetric:
                # a straight mark closed by a curly one, or a curly one by a straight one: pages mix them
                open_ = _Open(i, ch, ch + ("”" if ch == '"' else ""))
        elif ch == open_.opener and ch not in open_.closers and ch not in symmetric and not (
                ch in "‘‚" and _is_apostrophe(text, i)):
            open_.pos = i  # the same opening mark again: the earlier one was never closed
        elif ch in symmetric and open_.opener in symmetric and _opens_only(text, i):
            open_.pos = i  # a straight mark that can only open: the earlier one was a stray
        elif _closes(text, i, open_, symmetric) and i > open_.pos + 1:
            pairs.append((open_.pos + 1, i))
            open_ = None
        i += 1
    return pairs, open_


def _closes(text: str, i: int, open_: _Open, symmetric: frozenset) -> bool:
    ch = text[i]
    if ch in symmetric and open_.opener in symmetric:
        return True
    if ch == '"' and open_.opener == "“":
        return not _opens_only(text, i)
    return ch in open_.closers and not (ch == "’" and _is_apostrophe(text, i))


def find_quote_segments_in(text: str, start: int, end: int, marks: QuoteMarks) -> list[tuple[int, int]]:
    sub = text[start:end]
    return [(start + s.start, start + s.end) for s in find_quote_segments(sub, marks) if not s.open_at_end]


def _trim(text: str, segments: list[Segment]) -> list[Segment]:
    out = []
    for s in segments:
        a, b = s.start, s.end
        if a >= 2 and text[a - 2] == "=":  # an attribute value in markup residue: <a href="...">, tweet-date="..."
            continue
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and WORD.search(text, a, b):
            out.append(Segment(a, b, s.utterance, s.open_at_end))
    return out


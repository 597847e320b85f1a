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


def find_quote_segments(text: str, marks: QuoteMarks) -> list[Segment]:
    """Spans inside quotation marks (a language pack's ``marks``), paired per paragraph, continued across
    paragraphs.

    Two apostrophes (``''``, the double mark of some newspapers' archives) count as one straight
    double mark: the text is read with each ``''`` as ``" `` (same length, so offsets hold)."""
    OPEN_CLOSE, SYMMETRIC = marks.open_close, marks.symmetric  # noqa: N806 (read on every character)
    if "''" in text:
        text = text.replace("''", '" ')
    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text)]
    segments: list[Segment] = []
    utter = 0
    carry: tuple[str, str] | None = None  # (opener, closers) carried from the previous paragraph
    for pi, (ps, pe) in enumerate(paras):
        i = ps
        open_pos, closers, opener = None, "", ""
        if carry is not None:
            # a continued quote: the paragraph opens with the same mark again
            j = ps
            if j < pe and (text[j] == carry[0] or text[j] in SYMMETRIC and carry[0] in SYMMETRIC):
                open_pos, opener, closers = j, carry[0], carry[1]
                i = j + 1
            carry = None
        while i < pe:
            ch = text[i]
            if open_pos is None:
                if ch in OPEN_CLOSE and not (ch in "‘‚" and _is_apostrophe(text, i)):
                    if ch == "‘" and i > ps and text[i - 1].isalnum():
                        i += 1
                        continue
                    open_pos, opener, closers = i, ch, OPEN_CLOSE[ch]
                elif ch in SYMMETRIC:
                    # a straight mark closed by a curly one, or a curly one by a straight one: pages mix them
                    open_pos, opener, closers = i, ch, ch + ("”" if ch == '"' else "")
            else:
                if ch == opener and ch not in closers and ch not in SYMMETRIC and not (
                        ch in "‘‚" and _is_apostrophe(text, i)):
                    open_pos = i  # the same opening mark again: the earlier one was never closed
                    i += 1
                    continue
                if ch in SYMMETRIC and opener in SYMMETRIC and _opens_only(text, i):
                    open_pos = i  # a straight mark that can only open: the earlier one was a stray
                    i += 1
                    continue
                is_close = ch in closers and not (ch == "’" and _is_apostrophe(text, i))
                if ch == '"' and opener == "“":
                    is_close = not _opens_only(text, i)
                if ch in SYMMETRIC and opener in SYMMETRIC:
                    is_close = True
                if is_close and i > open_pos + 1:
                    segments.append(Segment(open_pos + 1, i, utter))
                    utter += 1
                    open_pos = None
            i += 1
        if open_pos is not None:
            nxt = paras[pi + 1] if pi + 1 < len(paras) else None
            continues = nxt is not None and (text[nxt[0]] == opener or text[nxt[0]] in SYMMETRIC and opener in SYMMETRIC)
            if continues and opener not in "‘‚":
                segments.append(Segment(open_pos + 1, pe, utter, open_at_end=True))
                carry = (opener, closers)
            else:
                # unbalanced: forget this mark and read the rest of the paragraph again after it
                rest = find_quote_segments_in(text, open_pos + 1, pe, marks)
                for s in rest:
                    segments.append(Segment(s[0], s[1], utter))
                    utter += 1
    return _trim(text, segments)


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


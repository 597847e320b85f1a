"""Page chrome in text: which lines of a page dump are story, which are navigation, forms and notices.

Used by the clean stage on plain text (the whole classifier) and on trafilatura's output
(the pattern filter only, since trafilatura has already cut the page structure).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from newsloom.lang import all_packs

# [shortcode] and [shortcode key="value" ...] residue from CMS templates; not editorial brackets like [US President]
SHORTCODE = re.compile(r"\[/?[a-z][a-z0-9_-]*(?:\s+[a-z0-9_-]+\s*=\s*[^\]\n]*?)*\s*/?\]")


class Chrome(NamedTuple):
    """What page chrome looks like in every language.  A line that opens as page chrome; a line with chrome
    words anywhere in it ("... | Powered by Quillpress", "... All rights reserved"), which counts only on a
    short line (CHROME_MAX_WORDS); a strong end marker (once the story has started, everything after one is
    chrome); a cookie or consent notice, whatever its first words."""
    line: re.Pattern
    anywhere: re.Pattern
    end_marker: re.Pattern
    cookie: re.Pattern


@lru_cache(maxsize=1)
def chrome_patterns() -> Chrome:
    """The chrome of every language's pack (newsloom/lang/*.json), built on first use: a page's chrome need
    not be in its story's language, and the language is known only after cleaning."""
    lexicons = [pack.lexicon for pack in all_packs()]
    chrome = [p for lex in lexicons for p in lex.chrome_lines if not p.startswith(".*")]
    ends = [p for lex in lexicons for p in lex.end_markers]
    cookie = "|".join(sorted({re.escape(w) for lex in lexicons for w in lex.cookie_words}))
    consent = "|".join(sorted({re.escape(w) for lex in lexicons for w in lex.consent_words}))
    anywhere = [p for lex in lexicons for p in lex.chrome_lines if p.startswith(".*")]
    return Chrome(re.compile("^(?:" + "|".join(chrome) + ")", re.IGNORECASE),
                  re.compile("^(?:" + "|".join(anywhere) + ")", re.IGNORECASE),
                  re.compile("^(?:" + "|".join(ends) + ")", re.IGNORECASE),
                  re.compile(rf"\b(?:{cookie})\b.*\b(?:{consent})|\b(?:{consent})\w*\b.*\b(?:{cookie})\b",
                             re.IGNORECASE))

# a line of page chrome is short: a paragraph of 40 words or more that merely says "powered by" ("the new
# ferry, powered by a hybrid engine, ...") is story.  40 is the bound cookie notices have had all along; at 30,
# a 32-word footer of a DEV page came back as story
CHROME_MAX_WORDS = 40

# a menu line: several short items separated by | or •
MENU = re.compile(r"^\s*[|•·]?\s*(?:[^|•·]{1,30}\s*[|•·]\s*){2,}[^|•·]{0,30}[|•·]?\s*$")
# a row of a table, as trafilatura writes one ("| 2 | Harbour Inn | 4.5 |"): framed by bars at both ends, which
# a menu is not; a table of the story's figures is story
TABLE_ROW = re.compile(r"^\|.*\|$")

BULLET_MARKS = "•·▪►»*–-"  # not language: the marks that open a list item
BULLET = re.compile(rf"^\s*[{BULLET_MARKS}]\s+")
# a list item of plain text: a bullet or a number ("3." or "3)"); never the end of a wrapped line's sentence
LIST_ITEM = re.compile(rf"^\s*(?:[{BULLET_MARKS}]|\d{{1,3}}[.)])\s+")
END_PUNCT = re.compile(r"[.!?:;,…\"”’»)\]]\s*$")
# a line that ends a sentence: its last character, closing marks and brackets aside, ends one
SENTENCE_END = re.compile(r"[.!?…][\"”’»)\]]*\s*$")
WORD = re.compile(r"\w+", re.UNICODE)
# tags glued after a closing quote: ...respected.”lavrov, kerry
GLUED_TAGS = re.compile(r"([.!?][\"”’])\s*[a-z][a-z ]*(?:,\s*[a-z][a-z ]*)+\s*$")

def n_words(s: str) -> int:
    return len(WORD.findall(s))


def is_chrome(line: str) -> bool:
    """A line that is page chrome on its own: forms, notices, menus, share and subscribe lines."""
    s = line.strip()
    if not s:
        return False
    chrome = chrome_patterns()
    if chrome.line.match(s) or MENU.match(s) and not TABLE_ROW.match(s):
        return True
    if chrome.anywhere.match(s) and n_words(s) < CHROME_MAX_WORDS:
        return True
    if chrome.cookie.search(s) and n_words(s) <= CHROME_MAX_WORDS:
        return True
    return False


def strip_residue(text: str) -> str:
    """Remove CMS shortcodes and glued tag lists."""
    text = SHORTCODE.sub("", text)
    return "\n".join(GLUED_TAGS.sub(r"\1", line) for line in text.split("\n"))


# ---- a story printed twice -----------------------------------------------------------------------------
# Some pages carry their story twice (a mobile and a desktop rendering, a print view, a slide-out copy), and the
# extractor reads both.  A pull quote or a repeated call to action repeats one paragraph; a second rendering
# repeats a run of them.  So only a run of REPEATED_RUN or more repeated paragraphs, each of REPEATED_MIN_WORDS
# or more, is dropped, with the short repeated lines inside it (its headings); a line seen once stays.  Chosen
# on WCXB TUNE (runs of 1, 2, 3, 4 and 6; paragraphs of 5 and 8 words): runs of 4 changed 3 TUNE pages, all for
# the better (+0.541 of page F1 in all), where runs of 1 changed 19 and made 11 worse; 5 and 8 words tied on
# TUNE, and 5 did better on TRAIN
REPEATED_RUN = 4
REPEATED_MIN_WORDS = 5


def _line_key(line: str) -> str:
    return " ".join(WORD.findall(line.lower()))


def without_repeated_runs(paragraphs: list[str]) -> list[str]:
    """The paragraphs without a second copy of a run of REPEATED_RUN or more long paragraphs seen earlier."""
    keys = [_line_key(p) for p in paragraphs]
    seen: set[str] = set()
    repeated = []
    for key in keys:
        repeated.append(bool(key) and key in seen)
        seen.add(key)
    drop: set[int] = set()
    run: list[int] = []
    for k in [k for k, key in enumerate(keys) if len(key.split()) >= REPEATED_MIN_WORDS] + [None]:
        if k is not None and repeated[k]:
            run.append(k)
            continue
        if len(run) >= REPEATED_RUN:
            drop.update(m for m in range(run[0], run[-1] + 1) if repeated[m] or not keys[m])
        run = []
    return [p for k, p in enumerate(paragraphs) if k not in drop]


def is_sentence_like(line: str) -> bool:
    s = line.strip()
    w = n_words(s)
    if w == 0:
        return False
    if s[0].islower() and w >= 2:  # continuation of a sentence broken over lines
        return True
    return bool(END_PUNCT.search(s)) and w >= 4 or w >= 25


@dataclass
class Line:
    text: str
    kind: str  # story, heading, chrome, short, bullet, blank


def classify_lines(lines: list[str]) -> list[Line]:
    """Label each line of a page dump."""
    out: list[Line] = []
    in_bullets = False
    for raw in lines:
        s = raw.strip()
        if not s:
            out.append(Line(raw, "blank"))
            continue
        indented = len(raw) - len(raw.lstrip(" \t")) >= 2
        if BULLET.match(raw):
            in_bullets = True
            out.append(Line(raw, "bullet"))
            continue
        if in_bullets and indented:
            out.append(Line(raw, "bullet"))  # the blurb under a related-story bullet
            continue
        in_bullets = False
        if is_chrome(s):
            out.append(Line(raw, "chrome"))
        elif is_sentence_like(s):
            out.append(Line(raw, "story"))
        else:
            out.append(Line(raw, "short"))
    return out


def story_lines(lines: list[str]) -> list[int]:
    """Indices of the lines that belong to the story.

    Story lines are sentence-like lines that are not chrome.  A short line without end
    punctuation (a menu item, a headline from a list of related stories) is kept only as an
    in-story subheading: story before it and a long story paragraph after it.  After a strong
    end marker (Leave a Reply, Related, ...) nothing more is kept.
    """
    labelled = classify_lines(lines)
    nonblank = [i for i, ln in enumerate(labelled) if ln.kind != "blank"]
    keep: list[int] = []
    seen_story = False
    for pos, i in enumerate(nonblank):
        ln = labelled[i]
        s = ln.text.strip()
        if seen_story and chrome_patterns().end_marker.match(s):
            break
        if ln.kind == "story":
            keep.append(i)
            seen_story = True
        elif ln.kind == "short" and seen_story and labelled[keep[-1]].kind == "story" and keep[-1] == nonblank[pos - 1]:
            nxt = labelled[nonblank[pos + 1]] if pos + 1 < len(nonblank) else None
            if nxt is not None and nxt.kind == "story" and (n_words(nxt.text) >= 15 or SENTENCE_END.search(s)):
                # a subheading before a long paragraph; or a short sentence of the story ("“No,” she said.")
                keep.append(i)
    return keep

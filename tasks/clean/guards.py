"""Guards against extracting the wrong block: the precise pass's text may be a list of other stories, a
small share of the page's main block of prose, or a small part of what the page shows.  In each case
another pass of trafilatura is run, and its text taken where the doubt holds up.  docs/cleaning.md lists
each guard with the pattern it handles."""
from __future__ import annotations

import html as htmllib
import re
from collections import Counter

from tasks.clean import boilerplate
from tasks.clean.markup import TAG, fragment_text, parse_page


def count_words(text: str) -> int:
    return boilerplate.n_words(text)


# ---- guards against extracting the wrong block ------------------------------------------------------------
TEASER_MIN_LINES = 4  # a list of teasers has at least this many lines
TEASER_SHARE = 0.6  # ... and this share of them are headline-like (short, no closing punctuation) or link texts
HEADLINE_MAX_WORDS = 14
OWN_OVERLAP = 0.5  # a story shares at least this share of its page's headline-and-description words
SMALL_SHARE = 0.2  # the precise pass kept less than this share of the words of the page's main block
SMALL_MIN_WORDS = 150  # ... of a page whose main block has at least this many words
SMALL_SHARE_KEPT = 0.9  # ... and the recall pass is taken when it keeps this share of the first pass's words
# (it extends that story; issue 22. On WCXB, 0.5, 0.7 and 0.9 give the same figures on every split)
_P = re.compile(r"<p\b", re.I)
_A = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.I | re.S)
_CLOSING = re.compile(r"[.!?:;…\"”’»)]\s*$")
_META_TEXT = re.compile(r"""<meta\s[^>]*?(?:property|name)\s*=\s*["'](?:og:title|og:description|description|"""
                        r"""twitter:title|twitter:description)["'][^>]*?content\s*=\s*["']([^"']*)["']""", re.I)


def _words(s: str) -> set[str]:
    return {w for w in re.findall(r"\w+", s.lower()) if len(w) > 3}


def own_words(html: str) -> set[str]:
    """The longer words of the page's own headline and description (og:title, og:description, description,
    twitter:title, twitter:description): what the page says it is about."""
    return _words(" ".join(htmllib.unescape(m) for m in _META_TEXT.findall(html[:2_000_000])))


def looks_like_teasers(text: str, html: str) -> bool:
    """The text is a list of other stories, not a story: most of its lines are headline-like (short, with
    no closing punctuation) or the text of a link on the page, and it shares little with the page's own
    headline and description (og:title, og:description, description).  A page that declares no headline
    or description is judged on its lines alone."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) < TEASER_MIN_LINES:
        return False
    own = own_words(html)
    if own and len(own & _words(text)) >= OWN_OVERLAP * len(own):
        return False  # it speaks of the page's subject: asked first, as the page's links cost far more to read
    head = html[:2_000_000]
    links = {" ".join(fragment_text(a).split()).lower() for a in _A.findall(head)}
    teaser = sum(1 for ln in lines if ln.lower() in links
                 or len(ln.split()) <= HEADLINE_MAX_WORDS and not _CLOSING.search(ln))
    return teaser >= TEASER_SHARE * len(lines)


_P_TEXT = re.compile(r"<p\b[^>]*>(.*?)</p\s*>", re.I | re.S)


def paragraph_words(html: str) -> int:
    """Words in all the page's <p> elements (a cheap upper bound of main_block_words)."""
    return sum(count_words(TAG.sub(" ", p)) for p in _P_TEXT.findall(html[:2_000_000]))


def main_block_words(html: str, tree=None) -> int:
    """Words of the page's main block of prose: the element whose <p> descendants, at most three levels
    down, hold the most words (the story's container on an article page, the feed of a page of short
    posts; <html> and <body> are not blocks).  ``tree`` is the page's parse where the caller has it."""
    if not _P.search(html[:2_000_000]):
        return 0
    root = parse_page(html) if tree is None else tree
    if root is None:
        return 0
    by_block: dict = {}
    for p in root.iter("p"):
        n, el = count_words(p.text_content()), p.getparent()
        for _ in range(3):
            if el is None or el.tag in ("body", "html"):
                break
            by_block[el] = by_block.get(el, 0) + n
            el = el.getparent()
    return max(by_block.values(), default=0)


def guard_reason(text: str, html: str, tree=None) -> str | None:
    """Why the precise pass's text may be the wrong block, or None: ``teasers`` (it looks like a list of
    other stories) or ``small_share`` (it holds under SMALL_SHARE of the words of the page's paragraphs)."""
    if looks_like_teasers(text, html):
        return "teasers"
    words = count_words(text)
    # every <p>'s words bound the main block's from above: without the page's parse, most pages are cleared by
    # a regex, unparsed (with it, reading the main block is the cheaper: 0.6 against 11 ms a news page)
    if tree is None and words >= SMALL_SHARE * paragraph_words(html):
        return None
    block = main_block_words(html, tree)
    if block >= SMALL_MIN_WORDS and words < SMALL_SHARE * block:
        return "small_share"
    return None


def better_of(first, second, html: str, reason: str):
    """The other pass's result where the guard's doubt about the first holds up: for teasers, when the
    other text does not look like teasers itself; for a small share, when it holds more words, holds
    nine tenths of the first pass's words (it extends the same story) and does not look like teasers."""
    if second is None or not (second.text or "").strip() or looks_like_teasers(second.text, html):
        return first
    if reason == "small_share":
        kept = _words(first.text or "")
        # the other pass must extend the story the first pass found, not replace it with another block
        if count_words(second.text) <= count_words(first.text or "") or \
                len(kept & _words(second.text)) < SMALL_SHARE_KEPT * len(kept):
            return first
    return second


# ---- a small part of what the page shows ------------------------------------------------------------------
# The precise pass prunes what does not look like prose: on a guide, a list or a table of products, the
# story is its headings, lists and short lines, and the pass keeps only the introduction.  The page's own
# words tell: what it shows outside its navigation, header, footer, asides, forms and links.
PART_OF_PAGE = 0.5  # the precise pass kept under half the words the page shows there (TUNE: 0.4 to 1.0 tie)
FULLER_FACTOR = 2  # the balanced pass's text holds at least twice the words (TUNE: 1.5 and 2 tie)
# ... and half the first text's words: it extends that story, not another block.  The first text can hold the
# page's furniture that the balanced pass leaves (a summary box, "8 min read"); TUNE: 0.9 0.9197, 0.8 and 0.7
# 0.9238, 0.5 and 0.3 0.9345
KEPT_WORDS = 0.5
OWN_IN_ADDED = 1 / 3  # what it adds speaks of the page's subject: a third of its headline-and-description words
# (related posts' excerpts, shipping banners and testimonials speak of other things; TUNE: a half lost 3 pages)
# the page's parts that are not its story, and links: the text of a link is navigation far more often than
# story (related stories, menus, tags; on the ScrapingHub news pages, counting it made the check run the
# balanced pass on 18 pages of 60 for none taken, against 8 without it).  Markup names, not words of a language
NOT_SHOWN = frozenset({"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside",
                       "form", "button", "select", "a"})


def shown_words(tree) -> int:
    """Words of the text the page's <body> shows outside NOT_SHOWN elements and links (0 without a body)."""
    body = tree.find(".//body") if tree is not None and tree.tag != "body" else tree
    if body is None:
        return 0
    total, stack = 0, [body]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str) or el.tag in NOT_SHOWN:
            continue  # a comment or a part that is not the story; its tail is counted by its parent's loop
        total += count_words(el.text or "")
        for child in el:
            stack.append(child)
            total += count_words(child.tail or "")
    return total


def shows_more_words(text: str, shown: int, part: float = PART_OF_PAGE) -> bool:
    """The text is a small part (under ``part``) of what the page shows (``shown``, from shown_words)."""
    return count_words(text) < part * shown


def added_story(first, second, html: str, factor: float, own_share: float) -> list[str] | None:
    """The lines another pass's result adds to the first pass's story, where it extends that story with text
    about the page's subject: ``factor`` times the words, KEPT_WORDS of the first's, not teasers, and (where
    the page declares a headline or description) ``own_share`` of those words in what it adds.  None where
    it does not."""
    if second is None or not (second.text or "").strip():
        return None
    before = first.text or ""
    kept = _words(before)
    if count_words(second.text) < factor * count_words(before) or \
            len(kept & _words(second.text)) < KEPT_WORDS * len(kept) or looks_like_teasers(second.text, html):
        return None
    own = own_words(html)
    added = added_lines(before, second.text)
    if own and len(own & _words("\n".join(added))) < own_share * len(own):
        return None
    return added


def fuller_of(first, second, html: str):
    """The balanced pass's result where it extends the first pass's story (``added_story`` with FULLER_FACTOR
    and OWN_IN_ADDED)."""
    return first if added_story(first, second, html, FULLER_FACTOR, OWN_IN_ADDED) is None else second


def added_lines(before: str, after: str) -> list[str]:
    """The non-empty lines of ``after`` that are not lines of ``before``."""
    first_lines = {line.strip() for line in before.split("\n")}
    return [line.strip() for line in after.split("\n") if line.strip() and line.strip() not in first_lines]


# ---- what the recall pass adds ------------------------------------------------------------------------------
# After that, a text under RECALL_PART of what the page shows can still lack a story's later sections, lists and
# tables, which the precise and balanced passes both prune and the recall pass keeps.  Its text is taken when it
# extends the story (RECALL_FACTOR the words, KEPT_WORDS of the first's, not teasers) with text about the page's
# subject (RECALL_OWN of the headline-and-description words: comments and other posts' excerpts, which the
# recall pass also keeps, speak of other things) and of some length (RECALL_MIN_ADDED words: a standfirst or a
# caption is shorter than a pruned section), and when most of what it adds is not lines it repeats (under
# RECALL_REPEATED of the words: a gallery repeats its captions, a story's sections are each written once).
# Chosen on WCXB TUNE among the values that keep every shared set within 0.003 (docs/benchmarks.md, "Bodies on
# WCXB"): page check 0.7 / 0.8 / 0.9, factor 1.1 / 1.2 / 1.3, subject share 0.25 / 0.3 / 1/3, 0 or 50 words.
# The page check at 0.7 and 0.8 tie on TUNE; 0.7 runs the pass on fewer pages (91 of WCXB's 791, against 148)
RECALL_PART = 0.7
RECALL_FACTOR = 1.2
RECALL_OWN = 0.3
RECALL_MIN_ADDED = 50
RECALL_REPEATED = 0.5


def recalled_of(first, second, html: str):
    """The recall pass's result where it adds a part of the story the first text left (see above)."""
    if (added := added_story(first, second, html, RECALL_FACTOR, RECALL_OWN)) is None:
        return first
    times = Counter(line.strip() for line in second.text.split("\n") if line.strip())
    added_words = sum(count_words(line) for line in added)
    repeated = sum(count_words(line) for line in added if times[line] > 1)
    if added_words < RECALL_MIN_ADDED or repeated >= RECALL_REPEATED * added_words:
        return first
    return second

"""The label words of every language pack as patterns ("Published", "Mis à jour", "By", "About the Author"),
and a byline's names read with them: what the candidate sources (tasks.clean.candidates), the ranker and
the text's cleaning share.  Every pack's words apply to every page: a page's language is not known yet
when it is cleaned."""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from newsloom.lang import all_packs, alternatives
from tasks.clean.dates import parse_dateline

SHORT_TEXT = 120  # an element whose text is longer is prose, not a date line or a byline
NAME_WORDS = range(2, 6)  # a byline's first name is two to five words ("Ana Ruiz", "Marna van der Merwe")
# A theme's variable printed unfilled where the name belongs ("page.head.extra.author", "{{ author.name }}",
# "${author}", "%author%"). A dotted user name ("ana.r.ruiz") is a name: only a path ending in the field's name.
# not language: a template names its fields in English whatever the page's language
TEMPLATE_VARIABLE = re.compile(r"(?:[\w-]+\.)+(?:author|authors|name|byline)|.*(?:\{\{|\}\}|\$\{|%\w+%).*", re.I)


@lru_cache(maxsize=1)
def label_patterns() -> dict[str, re.Pattern]:
    """One pattern per label kind, from every language pack's words (``published_labels`` ...)."""
    words: dict[str, set] = defaultdict(set)
    for pack in all_packs():
        lex = pack.lexicon
        words["published"] |= set(lex.published_labels)
        words["updated"] |= set(lex.updated_labels)
        words["byline"] |= set(lex.byline_labels)
        words["not_author"] |= set(lex.not_author_labels)
        words["other_role"] |= set(lex.other_role_labels)
        words["stop"] |= set(lex.byline_stop_words) | set(lex.writer_roles) | set(lex.role_nouns)  # "Li Wei, CEO"
        words["path"] |= set(lex.author_path_words)
        words["calendar"] |= {n for names in lex.months for n in names} | set(lex.weekdays)
        words["portrait"] |= set(lex.portrait_words)
        words["pronoun"] |= {p for p in lex.pronouns if p not in lex.not_speakers}
        words["role"] |= set(lex.writer_roles) | set(lex.role_nouns)
    months = {m for pack in all_packs() for names in pack.lexicon.months for m in names}
    never = re.compile(r"(?!)")
    return {
        "published": re.compile(rf"\b(?:{alternatives(words['published'])})\b", re.I) if words["published"] else never,
        "updated": re.compile(rf"\b(?:{alternatives(words['updated'])})\b", re.I) if words["updated"] else never,
        # a byline's opening words, with what follows them: "By", "Written by", "Par", "Author:"
        "byline": re.compile(rf"^\s*(?:{alternatives(words['byline'])})\s*:?\s+", re.I) if words["byline"] else never,
        # a byline label with no name after it: the name is in the next element ("<span>By</span><a>Ana Ruiz</a>")
        "byline_alone": re.compile(rf"^\s*(?:{alternatives(words['byline'])})\s*:?\s*$", re.I) if words["byline"] else never,
        "not_author": re.compile(rf"^(?:{alternatives(words['not_author'])})$", re.I) if words["not_author"] else never,
        # the label of another role than the writer's, before a name: "Reviewed by Ana Ruiz", "Edited by Li Wei"
        "other_role": re.compile(rf"^\W*(?:{alternatives(words['other_role'])})\b", re.I)
        if words["other_role"] else never,
        # a link to an author's page: ".../author/ana-ruiz", "/auteur/lea-roux/"
        "author_path": re.compile(rf"/(?:{alternatives(words['path'])})/[^/?#]+/?(?:[?#]|$)", re.I)
        if words.get("path") else never,
        # a byline inside a sentence: "This post was written by Ana Ruiz"
        "byline_inside": re.compile(rf"\b(?:{alternatives(w for w in words['byline'] if ' ' in w)})\s+", re.I)
        if any(" " in w for w in words["byline"]) else never,
        "byline_stop": re.compile(rf"\s+(?:{alternatives(words['stop'])})\b", re.I) if words["stop"] else never,
        # a writer's role ("Senior Writer", "Chief Economist") and a biography's opening pronoun ("She covers ...")
        "role_word": re.compile(rf"\b(?:{alternatives(words['role'])})\b", re.I) if words["role"] else never,
        "person_pronoun": re.compile(rf"(?:{alternatives(words['pronoun'])})", re.I) if words["pronoun"] else never,
        # the words a photo's alt text adds after a person's name: "Ana Ruiz headshot", "Léa Roux (photo)"
        "portrait": re.compile(rf"\W*\b(?:{alternatives(words['portrait'])})\W*$", re.I)
        if words.get("portrait") else never,
        # a month or a weekday alone is a date's remains, not a name ("Dec", "Sat")
        "calendar_word": re.compile(rf"^(?:{alternatives(words['calendar'])})\.?$", re.I)
        if words.get("calendar") else never,
        # where the names of a byline end: a separator, a date, a label ("Luke Kim Dec 17", "Ana Ruiz | Updated")
        "byline_end": re.compile(
            rf"\s+(?:[|•·—–-]|\d|(?:{alternatives(months)})\b\.?\s*\d|"
            rf"(?:{alternatives(words['published'] | words['updated'])})\b)|\s*\d"
            if months and (words["published"] or words["updated"]) else r"\s*\d", re.I),
    }


def looks_like_a_name(text: str) -> bool:
    """Two to five words without digits, the first and the last capitalised: a person's name, by its shape."""
    words = text.split()
    return (len(words) in NAME_WORDS and not any(c.isdigit() for c in text)
            and words[0][:1].isupper() and words[-1][:1].isupper())


def byline_name(text: str) -> str | None:
    """A byline's names without its label ("By Ana Ruiz" -> "Ana Ruiz"); None for a label or a long text."""
    text = " ".join(text.split())
    if not text or len(text) > SHORT_TEXT:
        return None
    labels = label_patterns()
    if labels["other_role"].match(text):  # a reviewer's or an editor's name is not the byline's
        return None
    if (inside := labels["byline_inside"].search(text)) is not None:
        text = text[inside.end():]
    if (dated := parse_dateline(text)) is not None:  # "Dec. 19, 2025 · Niko Matsakis": the date, then the name
        text = text[dated[1]:].lstrip(" ·•|:-–—,")
    text = labels["byline"].sub("", text)
    text = labels["byline_end"].split(text, maxsplit=1)[0]
    # a form's mark of a required field ("Name *") and a link's arrow ("More by Ana Ruiz →") are never part of a name
    text = labels["byline_stop"].split(text, maxsplit=1)[0].strip(" :|-–—,*→>»›")
    # a navigation label, a month, or a byline label whose name is elsewhere ("Written by") is never a name
    never = ("not_author", "calendar_word", "byline_alone")
    if not text or any(labels[k].match(text) for k in never) or TEMPLATE_VARIABLE.fullmatch(text):
        return None
    return text

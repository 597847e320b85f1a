"""Entity spans as an article writes them: trimmed, split, joined, and the occurrences the model missed.

Every word these rules read comes from the article's language pack (newsloom.lang): titles, articles,
the nouns that name organisations and roles, name joiners, demonym suffixes.  A rule whose pattern the
pack lacks does not run for that language.
"""
from __future__ import annotations

import bisect
import re

from newsloom.lang import LanguagePack, name_particles
from tasks.identity.keys import fold

SPLIT_AT = re.compile(r"[\[\]()\n{}|<>=]|[—–]|\s-\s")  # markup residue, brackets, dashes: never inside a name
EDGE = "\"'“”‘’„«»‹›″′`,.;:!?*_/\\-–— \t\u00a0"
POSSESSIVE = re.compile(r"(?:['’]s|s['’]|['’])$")
INITIALS_END = re.compile(r"\b[A-Za-z]\.[A-Za-z]\.?$")  # "U.S.", "J.R.": the full stop is the name's
TITLE_CONTEXT_CHARS = 30  # how far before a one-word ORG/GPE a title ("Secretary of State") is looked for
MAX_GLUE_CHARS = 40  # the longest run of lowercase words and a joiner between two pieces of one name


def _is_abbrev(s: str, pack: LanguagePack) -> bool:
    words = pack.pattern("abbreviation_end")
    return bool(INITIALS_END.search(s)) or (words is not None and bool(words.search(s)))


def _trim_edges(text: str, s: int, e: int, pack: LanguagePack) -> tuple[int, int]:
    """Edge punctuation and a possessive off a span (a final full stop of an abbreviation stays)."""
    while s < e and text[s] in EDGE:
        s += 1
    while e > s and text[e - 1] in EDGE and not (text[e - 1] == "." and _is_abbrev(text[s:e], pack)):
        e -= 1
    m = POSSESSIVE.search(text, s, e)
    if m and m.end() == e and e - s > 2:
        e = m.start()
        while e > s and text[e - 1] in EDGE:
            e -= 1
    return s, e


def _looks_like_a_name(span: str) -> bool:
    """Capitalised, or a number, or a particle before a capitalised name ("al-Assad", "van Gogh")."""
    if len(span) < 2:
        return False
    first_word = span.split("-")[0].split(" ")[0].lower()
    return span[0].isupper() or span[0].isdigit() or (first_word in name_particles()
                                                      and any(c.isupper() for c in span))


def normalise_span(text: str, start: int, end: int, label: str, pack: LanguagePack) -> list[tuple[int, int]]:
    """Clean sub-spans of an entity span: split at residue, trimmed of titles, possessives, a leading article
    and punctuation (the titles and articles of the language's pack)."""
    titles, tail = pack.pattern("person_titles"), pack.pattern("person_tail")
    articles = tuple(a.lower() for a in pack.lexicon.leading_articles)
    pieces, pos = [], start
    for m in SPLIT_AT.finditer(text, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    out = []
    for s, e in pieces:
        s, e = _trim_edges(text, s, e, pack)
        if label != "PERSON":
            head = text[s:e].lower()
            s += next((len(a) for a in articles if head.startswith(a) and len(head) > len(a)), 0)
        if label == "PERSON" and tail is not None and (m := tail.search(text, s, e)):
            e = m.start()  # "Ines Calloway of Meridian Shipping"
        if titles is not None and label in ("PERSON", "ORG", "GPE"):
            m = titles.match(text, s, e)
            if m and m.end() < e:
                s = m.end()
        if _looks_like_a_name(text[s:e]):
            out.append((s, e))
    return out


TITLE_LOOKBACK_CHARS = 60  # longer than any run of titles before a name ("Former Secretary of State")


def title_before(text: str, start: int, pack: LanguagePack) -> str | None:
    """The title written right before a person's name, the one nearest the name: "Mrs." of "Mrs. Okafor",
    "Secretary of State" of "former Secretary of State Ines Calloway" (the pack's titles, its modifiers such as
    "former" aside); None without one.
    The spans leave titles out of the name, and the mentions keep them as evidence of who is meant."""
    run_pattern, one = pack.pattern("person_titles_before"), pack.pattern("person_title")
    if run_pattern is None or one is None:
        return None
    run = run_pattern.search(text, max(0, start - TITLE_LOOKBACK_CHARS), start)
    modifiers = pack.lexicon.title_modifiers  # "former" qualifies a title; before a name it may be a place's
    titles = [t for t in one.findall(run.group()) if fold(t) not in modifiers] if run else []
    return titles[-1] if titles else None


def title_gender(title: str | None, pack: LanguagePack) -> str | None:
    """The gender a title says, from the pack's gendered titles ("Mrs." -> "female"); None for the others."""
    return pack.lexicon.title_genders.get(fold(title)) if title else None


def is_title_fragment(text: str, s: int, e: int, label: str, pack: LanguagePack) -> bool:
    """A one-word ORG/GPE cut out of a title: "State" in "Secretary of State", "Defense" in "Defense
    Secretary"."""
    if label not in ("ORG", "GPE") or len(text[s:e].split()) != 1:
        return False
    tail, head = pack.pattern("title_tail"), pack.pattern("title_head")
    return bool(tail is not None and tail.search(text[max(0, s - TITLE_CONTEXT_CHARS):s])) or (
        label == "ORG" and head is not None and bool(head.match(text[e:e + 20])))


def join_names(text: str, raw: list[dict], pack: LanguagePack) -> list[dict]:
    """An organisation's name the model cut in two at its lowercase words: "Compagnie" + "portuaire du" +
    "Lac" is "Compagnie portuaire du Lac".  Languages that put adjectives and "de" phrases after the noun
    name organisations so (the pack's name_joiners); the pieces must be adjacent, the first an ORG."""
    glue = pack.pattern("name_glue")
    if glue is None:
        return raw
    out: list[dict] = []
    for m in sorted(raw, key=lambda m: m["start"]):
        prev = out[-1] if out else None
        gap = text[prev["end"]:m["start"]] if prev is not None else ""
        if prev is not None and prev["label"] == "ORG" and m["label"] in ("ORG", "LOC", "GPE", "MISC") \
                and 0 < len(gap) <= MAX_GLUE_CHARS and "\n" not in gap and glue.fullmatch(gap) \
                and not gap.strip().istitle():
            prev["end"] = m["end"]
            prev["surface"] = text[prev["start"]:m["end"]]
            continue
        out.append(dict(m))
    return out


def role_named_persons(text: str, raw: list[dict], pack: LanguagePack) -> list[dict]:
    """Persons the model missed right after a role noun: "l'économiste Amélie Roussel", "la maire Claire
    Vasseur" (two or three capitalised words after one of the pack's role nouns, not inside a mention)."""
    pattern = pack.pattern("role_name")
    if pattern is None:
        return []
    taken = [(m["start"], m["end"]) for m in raw]
    out = []
    for hit in pattern.finditer(text):
        s, e = hit.span("name")
        if not all(w[0].isupper() for w in hit["name"].split()):
            continue  # IGNORECASE is for the role noun only
        if any(a < e and s < b for a, b in taken):
            continue
        out.append({"start": s, "end": e, "surface": text[s:e], "label": "PERSON"})
    return out


MIN_PROPAGATED_CHARS = 3  # a shorter word is too often something else ("Li", "Ma") to follow one sense


def propagate_names(text: str, raw: list[dict], full_by_surname: dict, pack: LanguagePack) -> None:
    """Add the occurrences NER missed, one sense per article: once an article names "Sergei Lavrov",
    a bare "Lavrov" elsewhere in it is a mention of him; once it tags "Dunmere" as a place (or an
    organisation), every other "Dunmere" in it is one too."""
    org_words = pack.pattern("org_words")
    targets: dict[str, str] = {}
    for fulls in full_by_surname.values():
        last = fulls[0][1].split()[-1]
        bare = last.split("-")[-1] if "-" in last and last.split("-")[0].lower() in name_particles() else last
        targets.setdefault(bare, "PERSON")
    for m in raw:
        if m["label"] in ("GPE", "LOC", "ORG", "FAC") and not m["alias"] and not (
                org_words is not None and org_words.search(m["surface"])):
            targets.setdefault(m["surface"], m["label"])
    taken = sorted((m["start"], m["end"]) for m in raw)
    added = []
    for word, label in targets.items():
        if len(word) < MIN_PROPAGATED_CHARS or not word[0].isupper():
            continue
        for hit in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
            s, e = hit.start(), hit.end()
            i = bisect.bisect_right(taken, (s, float("inf"))) - 1
            if i >= 0 and taken[i][1] > s or i + 1 < len(taken) and taken[i + 1][0] < e:
                continue  # overlaps a mention NER found
            added.append({"start": s, "end": e, "surface": text[s:e], "label": label, "alias": None})
    raw.extend(added)
    raw.sort(key=lambda m: m["start"])


# the endings a place's name may drop before the language's demonym suffix: Valdora -> Valdoran (``demonyms``
# writes the same forms the other way)
DROPPED_ENDINGS = ("", "a", "e", "o")
MIN_DEMONYM_STEM = 4  # shorter stems ("Ev" of "Evan") name too many things


def demonym_bases(doc, pack: LanguagePack) -> set[str]:
    """Folded names of the places the article's demonyms come from: a capitalised word that ends in one of
    the pack's demonym suffixes and stands right before a lowercase noun it qualifies ("Valdoran exports")
    gives "valdora", "valdor", ...  A name the model read as a person that is one of them is that place."""
    suffixes = sorted(pack.lexicon.demonym_suffixes, key=len, reverse=True)
    out: set[str] = set()
    for tok in doc:
        head = tok.head
        if not suffixes or not tok.text[:1].isupper() or head.i != tok.i + 1 or not head.text.islower() \
                or head.pos_ != "NOUN":
            continue
        for suffix in suffixes:
            stem = tok.text[:-len(suffix)]
            if tok.text.lower().endswith(suffix) and len(stem) >= MIN_DEMONYM_STEM:
                out.update(fold(stem + ending) for ending in DROPPED_ENDINGS)
    return out


def demonyms(raw: list[dict], pack: LanguagePack) -> dict[str, str]:
    """folded demonym -> place name, for places in the article: Valdora -> Valdoran, Kestria -> Kestrian
    (the pack's demonym suffixes)."""
    out = {}
    for m in raw:
        if m["label"] in ("GPE", "LOC") and not m["alias"]:
            base = fold(m["surface"])
            stem = base[:-1] if base.endswith(("a", "e", "o")) else base
            for suffix in pack.lexicon.demonym_suffixes:
                out[stem + suffix] = m["surface"]
                out[base + suffix] = m["surface"]
    return out

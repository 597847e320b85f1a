"""Entity mentions from a spaCy Doc: clean spans, settled labels, one id per real-world entity.

Reads: a parsed Doc of ``articles.text`` (article_id attached).
Produces ``mentions`` rows: article_id, entity_id, name, surface, label, start_char, end_char, sentence.

- Spans are normalised: split at line breaks, markup residue and brackets; possessives, edge
  punctuation, a leading "the" and titles ("President", "Secretary of State") are kept out.
- Within an article, a short form ("Lavrov", "Assad") resolves to the full name that ends in it,
  and the label of every mention of one entity is settled by vote (so "Lavrov" tagged ORG once
  becomes PERSON like the rest).  Known names (the shipped alias table, extendable by the user)
  give canonical names and labels: "U.S." and "America" are "United States", "Daesh" is
  "Islamic State".
- ``entity_id`` is a hash of a normalised key, so it is the same in every article and run.
  Person keys tolerate transliteration: the first name is reduced to its consonant skeleton
  (Sergey/Sergei, Mohammed/Muhammad, Vladimir/Vlademir) and the surname is softly folded.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from functools import lru_cache
from typing import NamedTuple

from newsloom.lang import name_particles
from newsloom.lang.lexicon import LEXICON, lexicon_exists, load_lexicon
from tasks.identity.keys import entity_id_for, fold, name_tokens, surname

KEEP_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "MISC"}
# the labels of models trained on other schemes (WikiNER: the French, German, Spanish ... pipelines tag PER,
# ORG, LOC and MISC) as the contract's: PER is PERSON; LOC stays LOC (in those models it covers countries
# and cities as well as places: the alias table gives known countries and cities GPE); MISC stays MISC
LABEL_MAP = {"PER": "PERSON"}


def _alternatives(words) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


class LanguagePatterns(NamedTuple):
    """What the mention code matches in one language, built once from its lexicon file."""
    titles: re.Pattern | None  # a run of titles that may open a person's name: titles.match(text, pos)
    articles: tuple[str, ...]  # the articles that may open another name ("the ", "la ", "l'")
    org_noun_before: re.Pattern | None  # an organisation's noun right before a name ("l'association ")
    name_glue: re.Pattern | None  # lowercase words and a joiner between two pieces of one name ("portuaire du")
    role_name: re.Pattern | None  # a role noun and the capitalised name after it ("l'économiste Amélie Roussel")


@lru_cache(maxsize=None)
def language_patterns(language: str) -> LanguagePatterns:
    """The patterns of ``language`` (empty where it has no lexicon file).  English keeps its own cues for
    organisations (ORG_CONTEXT_BEFORE, ORG_CONTEXT_AFTER) and needs no name joining or role names: its
    model finds those names whole."""
    if not lexicon_exists(language):
        return LanguagePatterns(None, (), None, None, None)
    lex = load_lexicon(language)
    titles = re.compile(rf"(?:(?:{'|'.join(lex.person_titles)})\s+)+") if lex.person_titles else None
    if language == "en":
        return LanguagePatterns(titles, tuple(a.lower() for a in lex.leading_articles), None, None, None)
    org = re.compile(rf"\b(?:{_alternatives(lex.org_role_nouns)})\s+$", re.IGNORECASE) if lex.org_role_nouns else None
    glue = re.compile(rf"(?:\s+[^\W\d_A-Z][\w-]*){{0,2}}\s+(?:{_alternatives(lex.name_joiners)})\s*$") \
        if lex.name_joiners else None
    role = re.compile(rf"\b(?:{_alternatives(lex.role_nouns)})\s+(?P<name>[A-ZÀ-Ý][\w'’-]+(?:\s+[A-ZÀ-Ý][\w'’-]+){{1,2}})",
                      re.IGNORECASE) if lex.role_nouns else None
    return LanguagePatterns(titles, tuple(a.lower() for a in lex.leading_articles), org, glue, role)


# ORG/GPE fragments cut out of a title: "State" in "Secretary of State"
TITLE_TAILS = re.compile(r"(?:Secretary|Minister|Ministry|Department|Secretary-General)\s+(?:of\s+)?(?:the\s+)?$")
TITLE_HEADS = re.compile(r"^\s+(?:Secretary|Minister|Ministry|Department|Secretary-General)\b")
SPLIT_AT = re.compile(r"[\[\]()\n{}|<>=]|[—–]|\s-\s")
EDGE = "\"'“”‘’„«»‹›″′`,.;:!?*_/\\-–— \t\u00a0"
PERSON_TAIL = re.compile(r"\s+(?:of|from|at|for|in|with)\s+|,\s+")
POSSESSIVE = re.compile(r"(?:['’]s|s['’]|['’])$")


# ---- span normalisation -----------------------------------------------------------------------------------
def normalise_span(text: str, start: int, end: int, label: str, language: str = "en") -> list[tuple[int, int]]:
    """Clean sub-spans of an entity span: split at residue, trimmed of titles, possessives, a leading article
    and punctuation (the titles and articles of ``language``'s lexicon)."""
    patterns = language_patterns(language)
    leading_titles, articles = patterns.titles, patterns.articles
    pieces, pos = [], start
    for m in SPLIT_AT.finditer(text, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    out = []
    for s, e in pieces:
        while s < e and text[s] in EDGE:
            s += 1
        while e > s and text[e - 1] in EDGE and not (text[e - 1] == "." and _is_abbrev(text[s:e])):
            e -= 1
        m = POSSESSIVE.search(text, s, e)
        if m and m.end() == e and e - s > 2:
            e = m.start()
            while e > s and text[e - 1] in EDGE:
                e -= 1
        if label != "PERSON":
            head = text[s:e].lower()
            s += next((len(a) for a in articles if head.startswith(a) and len(head) > len(a)), 0)
        if label == "PERSON":
            m = PERSON_TAIL.search(text, s, e)  # "Ines Calloway of Meridian Shipping"
            if m:
                e = m.start()
        if leading_titles is not None and label in ("PERSON", "ORG", "GPE"):
            m = leading_titles.match(text, s, e)
            if m and m.end() < e:
                s = m.end()
        span = text[s:e]
        if e - s >= 2 and (span[0].isupper() or span[0].isdigit() or
                           (span.split("-")[0].split(" ")[0].lower() in name_particles() and any(c.isupper() for c in span))):
            out.append((s, e))
    return out


def _is_abbrev(s: str) -> bool:
    return bool(re.search(r"\b[A-Za-z]\.[A-Za-z]\.?$", s)) or bool(re.search(r"\b(?:Jr|Sr|Inc|Co|Ltd|Corp|St)\.$", s))


# ---- mentions ----------------------------------------------------------------------------------------------------
def extract_mentions(doc, article_id: str, aliases: dict[str, tuple[str, str]], language: str = "en") -> list[dict]:
    """Mentions of one parsed article in ``language``, resolved within the article."""
    text = doc.text
    sent_starts = [s.start_char for s in doc.sents]
    raw = []
    for ent in doc.ents:
        label = LABEL_MAP.get(ent.label_, ent.label_)
        if label not in KEEP_LABELS:
            continue
        for s, e in normalise_span(text, ent.start_char, ent.end_char, label, language):
            surface = text[s:e]
            if label in ("ORG", "GPE") and len(surface.split()) == 1 and (
                    TITLE_TAILS.search(text[max(0, s - 30):s]) or (label == "ORG" and TITLE_HEADS.match(text[e:e + 20]))):
                continue  # "State" cut out of "Secretary of State", "Defense" out of "Defense Secretary"
            raw.append({"start": s, "end": e, "surface": surface, "label": label})
    patterns = language_patterns(language)
    if patterns.name_glue is not None:
        raw = _join_names(text, raw, patterns.name_glue)
    if patterns.role_name is not None:
        raw += _role_named_persons(text, raw, patterns.role_name)
    raw.sort(key=lambda m: m["start"])
    # known names from the alias table
    for m in raw:
        hit = aliases.get(fold(m["surface"]))
        m["alias"] = hit
        if hit:
            m["label"] = hit[1]
    # full person names in the article, by surname
    full_by_surname: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for m in raw:
        if m["label"] == "PERSON" and not m["alias"] and len(name_tokens(m["surface"])) >= 2:
            full_by_surname[surname(m["surface"])].append((m["start"], m["surface"]))
    _propagate_names(text, raw, full_by_surname)
    demonyms = _demonyms(raw)
    for m in raw:  # "Valdoran" beside "Valdora": a demonym of that place, whatever NER called it
        place = None if m["alias"] else demonyms.get(fold(m["surface"]))
        if place and fold(place) != fold(m["surface"]):
            m["alias"] = (place, "NORP")
            m["label"] = "NORP"
    # label vote per folded surface: a short form of a full person name counts as PERSON; a name with an
    # organisation's word in it ("Meridian Shipping Group", "Harlow Ltd") as ORG.  The subject of a speech
    # verb ("Calloway said", "Meridian said") is a speaker: a person or an organisation, never a place, a
    # product or a work.  So speech moves a name the model gave such a label towards PERSON, and adds nothing
    # where the model already said PERSON or ORG
    speakers = _speech_subject_surnames(doc, raw, language)
    org_noun_before = patterns.org_noun_before
    votes: dict[str, Counter] = defaultdict(Counter)
    for m in raw:
        if m["alias"]:
            continue
        key = fold(m["surface"])
        speaks = surname(m["surface"]) in speakers
        if len(name_tokens(m["surface"])) == 1 and surname(m["surface"]) in full_by_surname:
            votes[key]["PERSON"] += 2
        if org_noun_before is not None and org_noun_before.search(text, max(0, m["start"] - 30), m["start"]):
            votes[key]["ORG"] += 2  # "l'association Lac Vivant", "la société Harlow": the noun says what it is
        if ORG_CONTEXT_BEFORE.search(text[max(0, m["start"] - 24):m["start"]]) or ORG_CONTEXT_AFTER.match(text, m["end"]):
            votes[key]["ORG"] += 2  # "shares of Meridian", "Meridian's shares", "Meridian Inc": a company
        if WHO_FOLLOWS.match(text, m["end"]):
            votes[key]["PERSON"] += 2  # "Marta Ilves, who ...": English takes "who" for persons only
        if ORG_WORDS.search(m["surface"]):
            votes[key]["ORG"] += 2
        elif speaks and (m["label"] not in ("PERSON", "ORG") or _person_of(m["surface"])):
            votes[key]["PERSON"] += 2
        elif m["label"] == "PERSON" and not speaks and _placed(doc, m):
            votes[key]["GPE"] += 2  # "the attack on Khan Sheikhun", "in Tarrow": a place, not a person
        votes[key][m["label"]] += 1
    # full names that became PERSON by vote are full names too, and their short forms count as theirs
    for m in raw:
        key = fold(m["surface"])
        if not m["alias"] and m["label"] != "PERSON" and votes[key].most_common(1)[0][0] == "PERSON" \
                and len(name_tokens(m["surface"])) >= 2:
            if surname(m["surface"]) not in full_by_surname:
                for short in raw:
                    if not short["alias"] and len(name_tokens(short["surface"])) == 1 \
                            and surname(short["surface"]) == surname(m["surface"]):
                        votes[fold(short["surface"])]["PERSON"] += 2
            full_by_surname[surname(m["surface"])].append((m["start"], m["surface"]))
    for v in full_by_surname.values():
        v.sort()
    rows = []
    for m in raw:
        score = 1.0
        if m["alias"]:
            name, label = m["alias"]
            if label == "NORP":  # a demonym points at its country; the mention keeps its NORP label
                country = aliases.get(fold(name))
                eid = entity_id_for(name, country[1] if country else "GPE")
            else:
                eid = entity_id_for(name, label)
        else:
            key = fold(m["surface"])
            label = votes[key].most_common(1)[0][0] if votes[key] else m["label"]
            if votes[key]:
                score = votes[key][label] / sum(votes[key].values())
            if label == "PERSON" and m["label"] != "PERSON":
                cut = PERSON_TAIL.search(m["surface"])  # voted PERSON: "Ines Calloway of Meridian Shipping"
                if cut:
                    m["end"] = m["start"] + cut.start()
                    m["surface"] = m["surface"][:cut.start()]
            name = m["surface"]
            if label == "PERSON":
                name = _resolve_person(m["surface"], m["start"], full_by_surname)
            name = re.sub(r"\s+", " ", name)
            eid = entity_id_for(name, label)
        rows.append({
            "article_id": article_id, "entity_id": eid, "name": name, "surface": m["surface"], "label": label,
            "start_char": m["start"], "end_char": m["end"],
            "sentence": max(0, bisect.bisect_right(sent_starts, m["start"]) - 1), "label_score": round(score, 3),
        })
    _settle_person_names(rows)
    for r in rows:  # what the article alone says: the identity stage re-derives the final values from these
        r["article_entity_id"], r["article_name"], r["article_label"] = r["entity_id"], r["name"], r["label"]
    return rows


def _join_names(text: str, raw: list[dict], glue: re.Pattern) -> list[dict]:
    """An organisation's name the model cut in two at its lowercase words: "Compagnie" + "portuaire du" +
    "Lac" is "Compagnie portuaire du Lac".  Languages that put adjectives and "de" phrases after the noun
    name organisations so (the lexicon's name_joiners); the pieces must be adjacent, the first an ORG."""
    raw = sorted(raw, key=lambda m: m["start"])
    out: list[dict] = []
    for m in raw:
        prev = out[-1] if out else None
        if prev is not None and prev["label"] == "ORG" and m["label"] in ("ORG", "LOC", "GPE", "MISC") \
                and 0 < m["start"] - prev["end"] <= 40 and "\n" not in text[prev["end"]:m["start"]] \
                and glue.fullmatch(text[prev["end"]:m["start"]]) and not text[prev["end"]:m["start"]].strip().istitle():
            prev["end"] = m["end"]
            prev["surface"] = text[prev["start"]:m["end"]]
            continue
        out.append(dict(m))
    return out


def _role_named_persons(text: str, raw: list[dict], pattern: re.Pattern) -> list[dict]:
    """Persons the model missed right after a role noun: "l'économiste Amélie Roussel", "la maire Claire
    Vasseur" (two or three capitalised words after one of the lexicon's role nouns, not inside a mention)."""
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


def _person_of(surface: str) -> bool:
    """A span the model read as one organisation that opens with a person's name: "Ines Calloway of Meridian
    Shipping", "Ana Ruiz, Harlow Ltd" (a name of two or more words, no organisation word, then " of " or a
    comma).  Said of a speaker, it is that person."""
    cut = PERSON_TAIL.search(surface)
    head = surface[:cut.start()] if cut else ""
    return len(name_tokens(head)) >= 2 and not ORG_WORDS.search(head)


# what is said only of a company: its shares, its stock, its chief executive, its earnings
ORG_CONTEXT_BEFORE = re.compile(r"\b(?:shares|stock|stake|bonds|units) (?:of|in) $", re.IGNORECASE)
ORG_CONTEXT_AFTER = re.compile(r"(?:['’]s)? (?:shares|stock|subsidiary|chief executive|CEO|shareholders|"
                               r"earnings|profits?|revenues?)\b|, (?:the|a|an) (?:[\w-]+ )?(?:company|firm|group|"
                               r"bank|carrier|airline|insurer|retailer|manufacturer)\b")
WHO_FOLLOWS = re.compile(r"\s*,\s+who\b")  # a non-restrictive relative clause on a person: ", who ..."
SPEECH_LEMMAS = LEXICON.speaker_subject_verbs
ORG_WORDS = re.compile(r"\b(?:Company|Co|Corp|Inc|Ltd|Union|Authority|Institute|Ministry|Office|Department|Agency|"
                       r"Council|Party|Bank|Group|Service|Services|University|Association|Federation|Committee|"
                       r"Commission|Court|Police|Army|Times|News|Post|Gazette|Ledger|Radio|Television|TV)\b")


def _propagate_names(text: str, raw: list[dict], full_by_surname: dict) -> None:
    """Add the occurrences NER missed, one sense per article: once an article names "Sergei Lavrov",
    a bare "Lavrov" elsewhere in it is a mention of him; once it tags "Dunmere" as a place (or an
    organisation), every other "Dunmere" in it is one too."""
    targets: dict[str, str] = {}
    for fulls in full_by_surname.values():
        last = fulls[0][1].split()[-1]
        bare = last.split("-")[-1] if "-" in last and last.split("-")[0].lower() in name_particles() else last
        targets.setdefault(bare, "PERSON")
    for m in raw:
        if m["label"] in ("GPE", "LOC", "ORG", "FAC") and not m["alias"] and not ORG_WORDS.search(m["surface"]):
            targets.setdefault(m["surface"], m["label"])
    taken = sorted((m["start"], m["end"]) for m in raw)
    added = []
    for word, label in targets.items():
        if len(word) < 3 or not word[0].isupper():
            continue
        for hit in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
            s, e = hit.start(), hit.end()
            i = bisect.bisect_right(taken, (s, float("inf"))) - 1
            if i >= 0 and taken[i][1] > s or i + 1 < len(taken) and taken[i + 1][0] < e:
                continue  # overlaps a mention NER found
            added.append({"start": s, "end": e, "surface": text[s:e], "label": label, "alias": None})
    raw.extend(added)
    raw.sort(key=lambda m: m["start"])


def _demonyms(raw: list[dict]) -> dict[str, str]:
    """folded demonym -> place name, for places in the article: Valdora -> Valdoran, Kestria -> Kestrian."""
    out = {}
    for m in raw:
        if m["label"] in ("GPE", "LOC") and not m["alias"]:
            base = fold(m["surface"])
            stem = base[:-1] if base.endswith(("a", "e", "o")) else base
            for suffix in ("n", "an", "ian", "ese", "i", "ish"):
                out[stem + suffix] = m["surface"]
                out[base + suffix] = m["surface"]
    return out


PLACE_PREPS = {"in", "near", "at", "outside", "into", "across", "around", "on", "from", "to", "towards"}
ALWAYS_PLACE_PREPS = {"in", "near", "outside", "into", "across", "around"}
EVENT_NOUNS = {"attack", "strike", "raid", "assault", "offensive", "bombing", "airstrike", "shelling", "siege",
               "town", "village", "city", "area", "region", "province", "district", "base", "camp", "road",
               "way", "return", "trip", "visit", "flight", "march", "advance", "retreat"}


def _placed(doc, m: dict) -> bool:
    """The mention is the object of a place preposition: 'in X', 'near X', 'the attack on X'."""
    span = doc.char_span(m["start"], m["end"], alignment_mode="expand")
    if span is None or not len(span):
        return False
    root = span.root
    if root.dep_ != "pobj" or root.head.lower_ not in PLACE_PREPS:
        return False
    prep = root.head
    return prep.lower_ in ALWAYS_PLACE_PREPS or prep.head.lemma_.lower() in EVENT_NOUNS


def _speech_subject_surnames(doc, raw: list[dict], language: str = "en") -> set[str]:
    """Surnames of entity mentions that are the subject of a speech verb in this article (or a name in
    apposition to that subject: "the coach, Marta Oksel, said", "l'entraîneuse Marta Oksel a regretté")."""
    lemmas = load_lexicon(language).speaker_subject_verbs if lexicon_exists(language) else SPEECH_LEMMAS
    out = set()
    for m in raw:
        span = doc.char_span(m["start"], m["end"], alignment_mode="expand")
        if span is None:
            continue
        for t in span:
            if t.dep_ in ("appos", "flat:name") and t.head.dep_ == "nsubj" and not (span.start <= t.head.i < span.end):
                t = t.head
            if t.dep_ == "nsubj" and t.head.lemma_ in lemmas:
                out.add(surname(m["surface"]))
                break
    return out


def _resolve_person(surface: str, start: int, full_by_surname: dict[str, list[tuple[int, str]]]) -> str:
    if len(name_tokens(surface)) >= 2:
        return surface
    fulls = full_by_surname.get(surname(surface))
    if not fulls:
        return surface
    before = [f for f in fulls if f[0] < start]
    return (before[-1] if before else fulls[0])[1]


def _settle_person_names(rows: list[dict]) -> None:
    """One name per entity in the article: the most frequent full form, first seen on a tie."""
    forms: dict[str, Counter] = defaultdict(Counter)
    first: dict[tuple[str, str], int] = {}
    for r in rows:
        if r["label"] == "PERSON":
            forms[r["entity_id"]][r["name"]] += 1
            first.setdefault((r["entity_id"], r["name"]), r["start_char"])
    for r in rows:
        if r["label"] == "PERSON":
            c = forms[r["entity_id"]]
            r["name"] = max(c, key=lambda n: (c[n], -first[(r["entity_id"], n)]))

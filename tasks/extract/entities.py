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

from newsloom.lang import LanguagePack, name_particles
from newsloom.nlp import Dictionary, doc_text
from tasks.extract.diseases import disease_names, without_disease_names
from tasks.extract.namesakes import full_name_genders, namesake_of_gender
from tasks.extract.spans import (
    demonym_bases,
    demonyms,
    is_title_fragment,
    join_names,
    normalise_span,
    propagate_names,
    role_named_persons,
    title_before,
    title_gender,
)
from tasks.identity.keys import entity_id_for, fold, name_tokens, surname

KEEP_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "MISC"}
# the labels of models trained on other schemes (WikiNER: the French, German, Spanish ... pipelines tag PER,
# ORG, LOC and MISC) as the contract's: PER is PERSON; LOC stays LOC (in those models it covers countries
# and cities as well as places: the alias table gives known countries and cities GPE); MISC stays MISC
LABEL_MAP = {"PER": "PERSON"}

MODEL_VOTE = 1  # the model's own label for one mention
ROLE_NOUN_CHARS = 20  # the longest role noun of a pack, and the space after it
CUE_VOTE = 2  # a context cue ("shares of X", "X, who", a surname of a full name) outweighs one model reading
ORG_CONTEXT_CHARS = 24  # how far before a name "shares of " is looked for
ORG_NOUN_CHARS = 30  # how far before a name an organisation's noun ("l'association ") is looked for


def extract_mentions(doc, article_id: str, aliases: dict[str, tuple[str, str]], pack: LanguagePack,
                     dictionary: Dictionary | None = None) -> list[dict]:
    """Mentions of one parsed article, resolved within the article, with the words of its language ``pack``
    (and the model's ``dictionary``, which tells a verb inside a name)."""
    text = doc_text(doc)
    raw = _model_spans(doc, pack, dictionary)
    raw = join_names(text, raw, pack)
    diseases = disease_names(text, raw, pack)  # "West Nile virus": no place, and nor is a later "West Nile"
    raw = without_disease_names(text, raw, pack, diseases)
    raw += role_named_persons(text, raw, pack)
    raw.sort(key=lambda m: m["start"])
    _apply_aliases(raw, aliases)
    full_by_surname = _full_names_by_surname(raw)
    propagate_names(text, raw, full_by_surname, pack)
    raw = without_disease_names(text, raw, pack, diseases)  # propagation finds the names it dropped again
    bases = demonym_bases(doc, pack)
    # a name the model misread whose demonym the article writes ("Valdora", "Valdoran exports") is a place
    # here too, so that its demonym is marked as one
    read_as_places = [m if fold(m["surface"]) not in bases else {**m, "label": "GPE"} for m in raw]
    _mark_demonyms(raw, demonyms(read_as_places, pack))
    for m in raw:  # the title before each name: a cue to its label, and the mention's evidence of who it is
        m["title"] = title_before(text, m["start"], pack)
    votes = _label_votes(doc, raw, full_by_surname, pack, bases)
    _count_voted_full_names(raw, votes, full_by_surname, pack)
    rows = _mention_rows(doc, article_id, raw, votes, full_by_surname, aliases, pack)
    _settle_person_names(rows)
    for r in rows:  # what the article alone says: the identity stage re-derives the final values from these
        r["article_entity_id"], r["article_name"], r["article_label"] = r["entity_id"], r["name"], r["label"]
    return rows


def _model_spans(doc, pack: LanguagePack, dictionary: Dictionary | None) -> list[dict]:
    """The model's entities in the contract's labels, as clean sub-spans, title fragments left out."""
    text = doc_text(doc)
    raw = []
    for ent in doc.ents:
        label = LABEL_MAP.get(ent.label_, ent.label_)
        if label not in KEEP_LABELS:
            continue
        for start, end in _name_word_runs(ent, label, dictionary):
            for s, e in normalise_span(text, start, end, label, pack):
                if not is_title_fragment(text, s, e, label, pack):
                    raw.append({"start": s, "end": e, "surface": text[s:e], "label": label})
    return raw


VERB_TAGS = ("VERB", "AUX")  # universal POS tags: the same in every spaCy model
SPEAKER_LABEL_END = ":"  # "Ana Ruiz: ...": a colon ends a speaker's label, never inside a person's name


def _is_name_word(token, ent, label: str, dictionary: Dictionary | None) -> bool:
    """A token that can be part of a person's or an organisation's name.  In a person's name, not a
    lowercase word other than a particle or a part of a hyphenated name ("told", "of"; not "hoon" of
    "Young-hoon"), nor a colon.  Not a word the dictionary knows only as an inflected verb ("Apologizes", "Injecting": a
    headline or a sentence's first word run into a name) where the parse reads it as a verb, or where it
    opens a sentence and a person's name goes on after it ("United Nations" may open a sentence)."""
    if label == "PERSON" and (token.is_lower and token.is_alpha and token.lower_ not in name_particles()
                              and not _hyphen_joined(token) or token.text == SPEAKER_LABEL_END):
        return False
    if dictionary is None or not dictionary.is_inflected_verb(token.lower_):
        return True
    opens = label == "PERSON" and token.i == ent.start and token.is_sent_start and len(ent) > 1
    return not (token.pos_ in VERB_TAGS or opens)


def _hyphen_joined(token) -> bool:
    """A part of a hyphenated name: "hoon" of "Young-hoon", "ur" of "Ata-ur-Rehman"."""
    doc = token.doc
    before = token.i > 0 and doc[token.i - 1].text == "-" and not doc[token.i - 1].whitespace_
    after = token.i + 1 < len(doc) and doc[token.i + 1].text == "-" and not token.whitespace_
    return before or after


def _name_word_runs(ent, label: str, dictionary: Dictionary | None) -> list[tuple[int, int]]:
    """(start_char, end_char) of the runs of name words of a PERSON or ORG entity (the whole span for the
    other labels): a name never holds a verb or, for a person, a lowercase word."""
    if label not in ("PERSON", "ORG"):
        return [(ent.start_char, ent.end_char)]
    runs, current = [], []
    for token in ent:
        if _is_name_word(token, ent, label, dictionary):
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [(run[0].idx, run[-1].idx + len(run[-1])) for run in runs]


def _apply_aliases(raw: list[dict], aliases: dict[str, tuple[str, str]]) -> None:
    """Known names from the alias table give their canonical name and label."""
    for m in raw:
        hit = aliases.get(fold(m["surface"]))
        m["alias"] = hit
        if hit:
            m["label"] = hit[1]


def _full_names_by_surname(raw: list[dict]) -> dict[str, list[tuple[int, str]]]:
    """surname -> [(offset, full name)] of the persons the article names in full."""
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for m in raw:
        if m["label"] == "PERSON" and not m["alias"] and len(name_tokens(m["surface"])) >= 2:
            out[surname(m["surface"])].append((m["start"], m["surface"]))
    return out


def _mark_demonyms(raw: list[dict], places: dict[str, str]) -> None:
    """"Valdoran" beside "Valdora": a demonym of that place, whatever NER called it."""
    for m in raw:
        place = None if m["alias"] else places.get(fold(m["surface"]))
        if place and fold(place) != fold(m["surface"]):
            m["alias"] = (place, "NORP")
            m["label"] = "NORP"


def _label_votes(doc, raw: list[dict], full_by_surname: dict, pack: LanguagePack,
                 places: set[str]) -> dict[str, Counter]:
    """The article's label vote per folded surface: the model's label, and the cues around each mention
    (``places``: the folded names whose demonym the article writes, ``demonym_bases``).

    A short form of a full person name counts as PERSON; a name with an organisation's word in it
    ("Meridian Shipping Group", "Harlow Ltd") as ORG.  The subject of a speech verb ("Calloway said",
    "Meridian said") is a speaker: a person or an organisation, never a place, a product or a work.  So
    speech moves a name the model gave such a label towards PERSON, and adds nothing where the model
    already said PERSON or ORG."""
    speakers = _speech_subject_surnames(doc, raw, pack)
    text = doc_text(doc)
    votes: dict[str, Counter] = defaultdict(Counter)
    for m in raw:
        if not m["alias"]:
            key = fold(m["surface"])
            for label in _cue_labels(doc, text, m, full_by_surname, surname(m["surface"]) in speakers, pack):
                votes[key][label] += CUE_VOTE
            if key in places and m["label"] in ("PERSON", "ORG"):
                votes[key]["GPE"] += CUE_VOTE  # "Valdora" where the article writes "Valdoran exports"
            votes[key][m["label"]] += MODEL_VOTE
    return votes


def _cue_labels(doc, text: str, m: dict, full_by_surname: dict, speaks: bool, pack: LanguagePack) -> list[str]:
    """The label each context cue around mention ``m`` votes for (one entry per cue)."""
    surface = m["surface"]
    cues = []
    if len(name_tokens(surface)) == 1 and surname(surface) in full_by_surname:
        cues.append("PERSON")
    if _found(pack, "org_noun_before", text, max(0, m["start"] - ORG_NOUN_CHARS), m["start"]):
        cues.append("ORG")  # "l'association Lac Vivant", "la société Harlow": the noun says what it is
    if _found(pack, "org_context_before", text[max(0, m["start"] - ORG_CONTEXT_CHARS):m["start"]]) or \
            _matched(pack, "org_context_after", text, m["end"]):
        cues.append("ORG")  # "shares of Meridian", "Meridian's shares", "Meridian Inc": a company
    if _matched(pack, "person_follows", text, m["end"]):
        cues.append("PERSON")  # "Marta Ilves, who ...": English takes "who" for persons only
    if _opens_a_place_dateline(text, m["start"], pack):
        cues.append("GPE")  # "DUNMERE -- The mayor said": a dateline names where the story was filed
    if m["title"] or _found(pack, "role_noun_before", text, max(0, m["start"] - ROLE_NOUN_CHARS), m["start"]):
        # "Ms Ilse Okafor", "Senator Brandt", "its chief executive Ilsa Marwood": a person's title or role
        cues.append("PERSON")
    if _found(pack, "org_words", surface):
        cues.append("ORG")
    elif speaks and (m["label"] not in ("PERSON", "ORG") or _person_of(surface, pack)):
        cues.append("PERSON")
    elif m["label"] == "PERSON" and not speaks and _placed(doc, m, pack):
        cues.append("GPE")  # "the attack on Khan Sheikhun", "in Tarrow": a place, not a person
    return cues


def _opens_a_place_dateline(text: str, start: int, pack: LanguagePack) -> bool:
    return (start == 0 or text[start - 1] == "\n") and _matched(pack, "place_dateline", text, start)


def _found(pack: LanguagePack, name: str, text: str, *bounds: int) -> bool:
    pattern = pack.pattern(name)
    return pattern is not None and pattern.search(text, *bounds) is not None


def _matched(pack: LanguagePack, name: str, text: str, pos: int) -> bool:
    pattern = pack.pattern(name)
    return pattern is not None and pattern.match(text, pos) is not None


def _count_voted_full_names(raw: list[dict], votes: dict[str, Counter], full_by_surname: dict,
                            pack: LanguagePack) -> None:
    """Full names that became PERSON by vote are full names too (the person's part of the span: not "Making
    of Donald Trump", a book's title), and their short forms count as theirs."""
    tail = pack.pattern("person_tail")
    for m in raw:
        key = fold(m["surface"])
        person = _person_part(m["surface"], tail)
        if not m["alias"] and m["label"] != "PERSON" and votes[key].most_common(1)[0][0] == "PERSON" \
                and len(name_tokens(person)) >= 2:
            if surname(person) not in full_by_surname:
                for short in raw:
                    if not short["alias"] and len(name_tokens(short["surface"])) == 1 \
                            and surname(short["surface"]) == surname(person):
                        votes[fold(short["surface"])]["PERSON"] += CUE_VOTE
            full_by_surname[surname(person)].append((m["start"], person))
    for v in full_by_surname.values():
        v.sort()


def _mention_rows(doc, article_id: str, raw: list[dict], votes: dict[str, Counter], full_by_surname: dict,
                  aliases: dict, pack: LanguagePack) -> list[dict]:
    sent_starts = [s.start_char for s in doc.sents]
    genders = full_name_genders(raw, full_by_surname, pack)
    rows = []
    for m in raw:
        if m["alias"]:
            name, label, eid, score = *_alias_identity(m["alias"], aliases), 1.0
        else:
            name, label, eid, score = _voted_identity(m, votes[fold(m["surface"])], full_by_surname, pack, genders)
        rows.append({
            "article_id": article_id, "entity_id": eid, "name": name, "surface": m["surface"], "label": label,
            "start_char": m["start"], "end_char": m["end"],
            "sentence": max(0, bisect.bisect_right(sent_starts, m["start"]) - 1), "label_score": round(score, 3),
        })
        if label == "PERSON":
            rows[-1]["title"], rows[-1]["title_gender"] = m["title"], title_gender(m["title"], pack)
    return rows


def _alias_identity(alias: tuple[str, str], aliases: dict) -> tuple[str, str, str]:
    """(name, label, entity_id) of a name from the alias table; a demonym points at its country and keeps
    its NORP label."""
    name, label = alias
    if label == "NORP":
        country = aliases.get(fold(name))
        return name, label, entity_id_for(name, country[1] if country else "GPE")
    return name, label, entity_id_for(name, label)


def _voted_identity(m: dict, vote: Counter, full_by_surname: dict, pack: LanguagePack,
                    genders: dict[str, str]) -> tuple[str, str, str, float]:
    """(name, label, entity_id, label_score) of a mention by its article's vote."""
    label = vote.most_common(1)[0][0] if vote else m["label"]
    if label == "PERSON" and m["label"] != "PERSON":
        person = _person_part(m["surface"], pack.pattern("person_tail"))
        if person != m["surface"] and len(name_tokens(person)) < 2:
            label = m["label"]  # "Making" of "The Making of Vessa Kolby": no person's name heads the span
        else:
            m["surface"], m["end"] = person, m["start"] + len(person)
    score = vote[label] / sum(vote.values()) if vote else 1.0
    gender = title_gender(m.get("title"), pack)
    name = _resolve_person(m["surface"], m["start"], full_by_surname, gender, genders) if label == "PERSON" else m["surface"]
    name = re.sub(r"\s+", " ", name)
    return name, label, entity_id_for(name, label), score


def _person_part(surface: str, tail) -> str:
    """The person's name at the head of a span: up to the pack's person tail ("Ines Calloway of Meridian
    Shipping") or to its first lowercase word other than a particle ("Kolby told the board", read by the
    model as one work's title)."""
    ends = [cut.start() for cut in [tail.search(surface)] if cut] if tail is not None else []
    ends += [w.start() for w in re.finditer(r"(?<=\s)[^\W\d_]+\b", surface)
             if w.group().islower() and w.group() not in name_particles()][:1]
    return surface[:min(ends)].rstrip() if ends else surface


def _person_of(surface: str, pack: LanguagePack) -> bool:
    """A span the model read as one organisation that opens with a person's name: "Ines Calloway of Meridian
    Shipping", "Ana Ruiz, Harlow Ltd" (a name of two or more words, no organisation word, then the pack's
    person tail).  Said of a speaker, it is that person."""
    tail = pack.pattern("person_tail")
    cut = tail.search(surface) if tail is not None else None
    head = surface[:cut.start()] if cut else ""
    return len(name_tokens(head)) >= 2 and not _found(pack, "org_words", head)


def _placed(doc, m: dict, pack: LanguagePack) -> bool:
    """The mention is the object of a place preposition: 'in X', 'near X', 'the attack on X'."""
    labels, lex = pack.parse_labels("prepositional_object"), pack.lexicon
    span = doc.char_span(m["start"], m["end"], alignment_mode="expand")
    if not labels or span is None or not len(span):
        return False
    root = span.root
    if root.dep_ not in labels or root.head.lower_ not in lex.place_prepositions:
        return False
    prep = root.head
    return prep.lower_ in lex.always_place_prepositions or prep.head.lemma_.lower() in lex.event_nouns


def _speech_subject_surnames(doc, raw: list[dict], pack: LanguagePack) -> set[str]:
    """Surnames of entity mentions that are the subject of a speech verb in this article (or a name in
    apposition to that subject: "the coach, Marta Oksel, said", "l'entraîneuse Marta Oksel a regretté")."""
    lemmas = pack.lexicon.speaker_subject_verbs
    subject, apposition = pack.parse_labels("subject"), pack.parse_labels("apposition")
    out = set()
    for m in raw:
        span = doc.char_span(m["start"], m["end"], alignment_mode="expand")
        if span is None:
            continue
        for t in span:
            if t.dep_ in apposition and t.head.dep_ in subject and not (span.start <= t.head.i < span.end):
                t = t.head
            if t.dep_ in subject and t.head.lemma_ in lemmas:
                out.add(surname(m["surface"]))
                break
    return out


def _resolve_person(surface: str, start: int, full_by_surname: dict[str, list[tuple[int, str]]],
                    gender: str | None = None, genders: dict[str, str] | None = None) -> str:
    """The full name a person's mention stands for: itself when it is one; for a surname alone, the last
    full name of that surname before it (the first after it, when none is before), or, after a gendered
    title, the namesake of that gender (``namesakes``)."""
    if len(name_tokens(surface)) >= 2:
        return surface
    fulls = full_by_surname.get(surname(surface))
    if not fulls:
        return surface
    before = [f for f in fulls if f[0] < start]
    if (namesake := namesake_of_gender([name for _, name in before], gender, genders or {})) is not None:
        return namesake
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

"""Who each name is, decided over the whole corpus: surnames alone, and one label per name.

The input is what each article alone says of each mention: ``article_entity_id``, ``article_name``,
``article_label`` and ``label_score`` (the extract stage writes them and nothing ever changes them).  The
output is one decision per distinct (article_entity_id, article_name, article_label): the entity_id, name
and label the corpus gives it.  The decisions are a function of the multiset of that evidence alone, so the
same corpus gives the same ids whatever the order and grouping of the runs that brought it in.

1. **Surnames.** A person named by surname alone ("Okhotin") in an article that never gives the full name
   takes the person the corpus means by it: the one person it knows by a full name with that surname, or
   the one named in full in at least DOMINANT_SHARE of the articles that name any bearer; its name is that
   person's most frequent spelling.  A word the corpus also uses as a given name stays on its own.
2. **Labels.** Each name (folded, after step 1) votes across the corpus: each mention adds its
   ``label_score`` to its label.  A mention takes the corpus's label when that label has at least
   ``VOTE_RATIO`` times the weight of every other label and comes from at least ``VOTE_MIN_ARTICLES``
   articles.  Only ``VOTED_LABELS`` take part: names from the alias table, nationalities and other labels
   keep theirs.
3. **Ids.** A mention whose name or person-ness changed takes the id of its new (name, label)
   (tasks.identity.keys.entity_id_for); every other mention keeps the id its article gave it.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from tasks.identity.keys import (
    entity_id_for,
    fold,
    is_full_name,
    is_surname_only,
    name_tokens,
    person_key,
    soft,
    surname,
)

VOTED_LABELS = ("PERSON", "ORG", "GPE", "LOC")  # the labels the small model confuses with each other
# chosen on the TUNE half of CoNLL-2003 DEV (docs/benchmarks.md): a ratio of 2 or 3, three articles, or one
# vote per mention gave the same or less
VOTE_RATIO = 1.5  # the winner needs this much more weight than any other label: a clear majority, not a tie
VOTE_MIN_ARTICLES = 2  # ... from two articles at least: one article's own mistakes never outvote another's
UNSCORED_WEIGHT = 1.0  # a mention written before label_score existed counts as one sure vote
# a surname alone joins the bearer named in full in at least this share of the articles that name anyone of
# that surname in full: "Obama" beside a rare "Michelle Obama" is Barack Obama; "Clinton" with Bill and Hillary
# both named often stays apart.  Chosen on the TUNE half of PolNeAR DEV (docs/benchmarks.md)
DOMINANT_SHARE = 0.9

EVIDENCE_COLUMNS = ("article_id", "article_entity_id", "article_name", "article_label", "label_score", "title",
                    "title_gender")
NAME_KEY = ("article_entity_id", "article_name", "article_label", "article_cue")
GENDERS = frozenset({"female", "male"})
# a title says who a bearer is when the corpus writes it for that bearer in two cases of three: the article's
# own surname rule sometimes runs a "Mrs." into the wrong Clinton, never most of the time
CLEAR_MAJORITY = 2 / 3
CUE_SEPARATOR = "|"


class Name(NamedTuple):
    """What the articles say of one name: its article-level id, name and label, and for a surname alone the
    titles its article writes before it (``article_cue``).  As a decision, the cue is None."""
    entity_id: str
    name: str
    label: str
    cue: str | None = None


def with_article_columns(mentions: pa.Table) -> pa.Table:
    """``mentions`` with article_entity_id, article_name and article_label filled from entity_id, name and
    label where they are null (rows written before schema 6 kept only the final values)."""
    for article, final in (("article_entity_id", "entity_id"), ("article_name", "name"), ("article_label", "label")):
        i = mentions.schema.get_field_index(article)
        filled = pc.coalesce(mentions.column(article), mentions.column(final))
        mentions = mentions.set_column(i, article, filled)
    return mentions


TITLE_WORD_MIN_CHARS = 3  # "secretary" and "state" of "Secretary of State" are its words; "of" is not


def title_classes(title: str | None, gender: str | None) -> set[str]:
    """What one mention's title says: the folded title, its words, and the gender ("Mrs." -> {"mrs",
    "female"}; "Secretary of State" -> {"secretary of state", "secretary", "state"}, so that "Secretary
    Okafor" meets "Secretary of State Ilse Okafor")."""
    folded = fold(title) if title else ""
    words = {w for w in folded.split() if len(w) >= TITLE_WORD_MIN_CHARS}
    return {c for c in (folded, gender, *words) if c}


def with_cues(mentions: pa.Table) -> pa.Table:
    """``mentions`` with ``article_cue``: for a person named by surname alone, the titles and gender written
    before any of its mentions in the article ("female|mrs"); null for every other name.  One article's
    mentions of one name share one cue.  Only the rows of surnames alone are read one by one."""
    lone_names = pa.array(sorted({n for n in pc.unique(mentions.column("article_name")).to_pylist()
                                  if n is not None and is_surname_only(n)}), pa.string())
    lone = pc.fill_null(pc.and_(pc.equal(mentions.column("article_label"), "PERSON"),
                                pc.is_in(mentions.column("article_name"), value_set=lone_names)), False)
    rows = mentions.filter(lone)
    cols = [rows.column(c).to_pylist() for c in ("article_id", "article_entity_id", "title", "title_gender")]
    cues: dict[tuple[str, str], set[str]] = defaultdict(set)
    for article, eid, title, gender in zip(*cols):
        cues[(article, eid)] |= title_classes(title, gender)
    found = pa.array([CUE_SEPARATOR.join(sorted(cues[(a, e)])) or None for a, e in zip(cols[0], cols[1])], pa.string())
    column = pc.replace_with_mask(pa.nulls(mentions.num_rows, pa.string()), lone.combine_chunks(), found) \
        if len(found) else pa.nulls(mentions.num_rows, pa.string())
    return mentions.append_column("article_cue", column)


def bearer_titles(evidence: pa.Table) -> dict[str, Counter]:
    """person key -> how often each title class is written before its full-name mentions, over the corpus."""
    out: dict[str, Counter] = defaultdict(Counter)
    cols = [evidence.column(c).to_pylist() for c in ("article_name", "article_label", "title", "title_gender")]
    for name, label, title, gender in zip(*cols):
        if label == "PERSON" and (title or gender) and is_full_name(name):
            out[person_key(name)].update(title_classes(title, gender))
    return out


def _holds(key: str, said: str, bearers: dict, titles: dict[str, Counter]) -> bool:
    """The corpus clearly gives bearer ``key`` the title class ``said``: a gender in CLEAR_MAJORITY of the
    bearer's gendered titles, a role in CLEAR_MAJORITY of that role's uses among the surname's bearers."""
    mine = titles.get(key, Counter())
    if said in GENDERS:
        gendered = sum(mine[g] for g in GENDERS)
        return gendered > 0 and mine[said] >= CLEAR_MAJORITY * gendered
    uses = sum(titles.get(b, Counter())[said] for b in bearers)
    return uses > 0 and mine[said] >= CLEAR_MAJORITY * uses


def bearers_the_cue_allows(cue: str | None, bearers: dict[str, Counter], titles: dict[str, Counter]) -> dict:
    """The bearers of a surname that a surname alone with ``cue`` may be.  A gender rules out the bearers the
    corpus clearly gives the other gender; then, for the gender and for each role the cue names, the bearers
    the corpus clearly gives it are kept where there are any.  Both genders at once (an article's mistake,
    or two people) rule out everyone."""
    if not cue:
        return bearers
    said = set(cue.split(CUE_SEPARATOR))
    genders = said & GENDERS
    if len(genders) > 1:
        return {}
    other = GENDERS - genders if genders else frozenset()
    out = {key: b for key, b in bearers.items() if not any(_holds(key, g, bearers, titles) for g in other)}
    for classes in (sorted(genders), sorted(said - GENDERS)):
        carriers = {key for key in out if any(_holds(key, c, bearers, titles) for c in classes)}
        if carriers:
            out = {key: out[key] for key in carriers}
    return out


def name_weights(evidence: pa.Table) -> dict[Name, dict[str, float]]:
    """Each distinct name -> {article_id: summed label_score of its mentions there}."""
    evidence = evidence.set_column(evidence.schema.get_field_index("label_score"), "label_score",
                                   pc.fill_null(evidence.column("label_score").cast(pa.float64()), UNSCORED_WEIGHT))
    grouped = evidence.group_by([*NAME_KEY, "article_id"]).aggregate([("label_score", "sum")])
    out: dict[Name, dict[str, float]] = defaultdict(dict)
    cols = [grouped.column(c).to_pylist() for c in (*NAME_KEY, "article_id", "label_score_sum")]
    for eid, name, label, cue, article, weight in zip(*cols):
        out[Name(eid, name, label, cue)][article] = weight
    return out


def full_name_spellings(names: dict[Name, dict[str, float]]) -> dict[str, dict[str, Counter]]:
    """surname -> {person key -> Counter(spelling -> weight)} of every person named by a full name."""
    out: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for n, by_article in names.items():
        if n.label == "PERSON" and is_full_name(n.name):
            out[surname(n.name)][person_key(n.name)][n.name] += len(by_article)
    return out


def given_names(names: dict[Name, dict[str, float]]) -> Counter:
    """word -> the articles that use it as the first word of a full person name: "paul" of "Paul Ryan"."""
    out: Counter = Counter()
    for n, by_article in names.items():
        if n.label == "PERSON" and is_full_name(n.name):
            out[name_tokens(n.name)[0]] += len(by_article)
    return out


def resolved_name(n: Name, persons: dict[str, dict[str, Counter]], given: Counter | None = None,
                  titles: dict[str, Counter] | None = None) -> str:
    """A surname alone becomes the full name of the person the corpus means by it: the one bearer named in
    full, or the bearer named in full in at least DOMINANT_SHARE of the articles that name one (most frequent
    spelling, then the first in order).  A word the corpus uses as a given name in as many articles as it
    names that bearer ("Paul" beside Paul Ryan and Rand Paul, "Donald") may be either, and stays.  Every other
    name stays."""
    if n.label != "PERSON" or not is_surname_only(n.name):
        return n.name
    bearers = bearers_the_cue_allows(n.cue, persons.get(surname(n.name), {}), titles or {})
    if not bearers:
        return n.name
    weight = {key: sum(spellings.values()) for key, spellings in bearers.items()}
    top = min(weight, key=lambda key: (-weight[key], key))
    if weight[top] < DOMINANT_SHARE * sum(weight.values()):
        return n.name  # no bearer the corpus clearly means ("Clinton" with two Clintons named as often)
    if given is not None and given[name_tokens(n.name)[0]] >= weight[top]:
        return n.name  # as much a given name as this bearer's surname
    spellings = bearers[top]
    return min(spellings, key=lambda s: (-spellings[s], s))


def corpus_labels(weights: dict[str, dict[str, dict[str, float]]]) -> dict[str, str]:
    """folded name -> the label the corpus gives it, from {folded name: {label: {article_id: weight}}}, for
    the names where the vote overrules an article."""
    out = {}
    for key, by_label in weights.items():
        if len(by_label) < 2:
            continue
        total = {label: sum(articles.values()) for label, articles in by_label.items()}
        label = max(total, key=lambda lab: (total[lab], lab))
        if len(by_label[label]) >= VOTE_MIN_ARTICLES and all(
                total[label] >= VOTE_RATIO * w for lab, w in total.items() if lab != label):
            out[key] = label
    return out


def decide(evidence: pa.Table) -> dict[Name, Name]:
    """Every distinct article-level name of ``evidence`` (EVIDENCE_COLUMNS) -> the name the corpus says it is."""
    names = name_weights(with_cues(evidence))
    persons, given, titles = full_name_spellings(names), given_names(names), bearer_titles(evidence)
    resolved = {n: resolved_name(n, persons, given, titles) for n in names}
    votes: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for n, by_article in names.items():
        if n.label in VOTED_LABELS:
            ballot = votes[fold(resolved[n])][n.label]
            for article, w in by_article.items():
                ballot[article] = ballot.get(article, 0.0) + w
    voted = corpus_labels(votes)
    out = {}
    for n in names:
        name = resolved[n]
        label = voted.get(fold(name), n.label) if n.label in VOTED_LABELS else n.label
        changed = name != n.name or (label == "PERSON") != (n.label == "PERSON")
        out[n] = Name(entity_id_for(name, label) if changed else n.entity_id, name, label)
    return out



class Scope(NamedTuple):
    """What a run's names can change in the corpus's decisions (``scope_of``): the folded names whose votes
    may move, and the surnames whose lone bearers may resolve otherwise or vote on a moved name."""
    folds: frozenset
    surnames: frozenset


def scope_of(new: list[tuple[str, str]], known: list[tuple[str, str]]) -> Scope:
    """The scope of the run's distinct (name, label) pairs ``new`` in a corpus of distinct pairs ``known``.

    ``decide`` weighs, for a surname alone, the full person names of its surname (bearers and their titles)
    and of its word as a first word (given names); for a label, the vote on the folded name the name
    resolves to.  So the run can move the resolution of a surname alone whose surname or word it names in
    a person name, and the votes on its own folded names and on every name such a surname alone may
    resolve to; a surname alone of any of those surnames votes on one of them."""
    moved: set[str] = set()  # surnames whose lone bearers may resolve otherwise
    for name, label in new:
        if label == "PERSON" and is_full_name(name):
            moved |= {surname(name), soft(name_tokens(name)[0])}
        elif label == "PERSON" and is_surname_only(name):
            moved.add(surname(name))
    folds = {fold(name) for name, _ in new}
    folds |= {fold(name) for name, label in known if label == "PERSON" and surname(name) in moved}
    return Scope(frozenset(folds), frozenset(moved | {surname(f) for f in folds} - {""}))


def in_scope(name: str, label: str, scope: Scope) -> bool:
    """Whether the decision for (name, label) may change with the run: its vote may move, or it is a
    surname alone that may resolve otherwise or vote on a moved name."""
    return fold(name) in scope.folds or (label == "PERSON" and is_surname_only(name) and surname(name) in scope.surnames)


def weighed_for(name: str, label: str, scope: Scope, person_folds: frozenset) -> bool:
    """Whether ``decide`` needs the mentions of (name, label) to decide the names in ``scope``: names that
    vote on a name in scope (``person_folds``: the folded person names of the scope's surnames, which its
    surnames alone may resolve to), the person names of its surnames, and full names whose first word a
    surname alone in scope may be."""
    if fold(name) in scope.folds or fold(name) in person_folds:
        return True
    if label != "PERSON":
        return False
    tokens = name_tokens(name)
    return surname(name) in scope.surnames or (len(tokens) >= 2 and soft(tokens[0]) in scope.surnames)


def person_folds(known: list[tuple[str, str]], scope: Scope) -> frozenset:
    return frozenset(fold(name) for name, label in known if label == "PERSON" and surname(name) in scope.surnames)

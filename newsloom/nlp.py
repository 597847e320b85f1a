"""The spaCy model, loaded once per process."""
from __future__ import annotations

from functools import lru_cache

from newsloom.config import resolve_model
from newsloom.heap import kept_for_the_process

# components that no stage reads; disabled wherever a model has them
UNUSED_COMPONENTS = ("textcat", "textcat_multilabel", "entity_linker", "spancat", "trainable_lemmatizer_unused")
MAX_CHARS = 2_000_000
# articles per nlp.pipe batch.  Measured on 150 synthetic articles of ~800 words (bench/): 8 and 32 run at
# the same speed, but the process peaks at ~450 MB with 8 and ~880 MB with 32 (spaCy's intermediate arrays).
NLP_BATCH = 8
GLUED_BRACKETS = [r"(?<=[A-Za-z])[)\]](?=[A-Za-z])", r"(?<=[A-Za-z.])[(\[](?=[A-Za-z])"]


def _newline_sentences(doc):
    """A line break ends a sentence: a headline, a byline or a list item without a full stop never runs
    into the next line's sentence (which would give that sentence the wrong subject and parse)."""
    for tok in doc[:-1]:
        if "\n" in tok.whitespace_ or (tok.is_space and "\n" in tok.text):
            doc[tok.i + 1].is_sent_start = True
    return doc


def doc_text(doc) -> str:
    """``doc.text``, joined once per document: spaCy's ``Doc.text`` joins every token anew on each call, and
    mentions, quotes and their checks each read it (about 3 ms an article each time on the bench corpus)."""
    text = doc.user_data.get(DOC_TEXT)
    if text is None:
        text = doc.user_data[DOC_TEXT] = doc.text
    return text


DOC_TEXT = ("newsloom", "text")  # the key of the joined text in ``Doc.user_data``


@lru_cache(maxsize=8)
def load_nlp(model: str):
    """Load spaCy model ``model`` (see config.resolve_model), once per process: a worker loads each language's
    model the first time one of its articles needs it, and keeps it."""
    import spacy
    from spacy.util import compile_infix_regex

    nlp = spacy.load(resolve_model(model), exclude=[c for c in UNUSED_COMPONENTS])
    nlp.max_length = MAX_CHARS + 1
    # brackets glued between words, as scraped text has them: "(Vlademir)Putin", "[U.S.]diplomats"
    infixes = list(nlp.Defaults.infixes) + GLUED_BRACKETS
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    from spacy.language import Language

    if "newline_sentences" not in Language.factories:
        Language.component("newline_sentences", func=_newline_sentences)
    first = next((n for n in ("parser", "senter", "ner") if n in nlp.pipe_names), None)
    nlp.add_pipe("newline_sentences", before=first) if first else nlp.add_pipe("newline_sentences")
    return kept_for_the_process(nlp)


class Dictionary:
    """The common words a model's rule lemmatizer knows (its ``lemma_index``, ``lemma_exc`` and ``lemma_rules``
    tables: for English, WordNet's verbs, adjectives and adverbs), asked by word form: "warns", "thanked" and
    "hammering" are forms of known verbs.  A model without those tables knows no word."""

    def __init__(self, tables: dict):
        self.index = {pos: frozenset(words) for pos, words in tables.get("lemma_index", {}).items()}
        self.exceptions = {pos: frozenset(forms) for pos, forms in tables.get("lemma_exc", {}).items()}
        self.rules = {pos: tuple(tuple(r) for r in rules) for pos, rules in tables.get("lemma_rules", {}).items()}

    def knows(self, word: str, kinds: tuple[str, ...]) -> bool:
        """``word`` (lowercase) is a form of a word of one of ``kinds`` ("verb", "adj", "adv", "noun")."""
        for pos in kinds:
            index = self.index.get(pos, frozenset())
            if word in index or word in self.exceptions.get(pos, frozenset()):
                return True
            for old, new in self.rules.get(pos, ()):
                if word.endswith(old) and len(word) > len(old) and word[:len(word) - len(old)] + new in index:
                    return True
        return False

    def is_verb_form(self, word: str) -> bool:
        """``word`` (lowercase) is an inflected form of a known verb, not a base form: "warns", "thanked",
        "hammering" (a headline's verb), never "mark", "rose" or "trump" (base forms, and names)."""
        return word not in self.index.get("verb", frozenset()) and self.knows(word, ("verb",))

    def is_inflected_verb(self, word: str) -> bool:
        """``word`` (lowercase) is an inflected form of a known verb and no noun: "apologizes", "injecting",
        "revealed" (not "trump", which is a base form and a noun, nor "rogers")."""
        return self.is_verb_form(word) and not self.knows(word, ("noun",))


@lru_cache(maxsize=8)
def dictionary_of(nlp) -> Dictionary:
    """The Dictionary of a loaded model, built once per model and process."""
    if "lemmatizer" not in nlp.pipe_names or not hasattr(nlp.get_pipe("lemmatizer"), "lookups"):
        return Dictionary({})
    lookups = nlp.get_pipe("lemmatizer").lookups
    tables = {}
    for name in ("lemma_index", "lemma_exc", "lemma_rules"):
        if lookups.has_table(name):
            table = lookups.get_table(name)
            tables[name] = {pos: table[pos] for pos in ("noun", "verb", "adj", "adv") if pos in table}
    return Dictionary(tables)

"""The spaCy model, loaded once per process."""
from __future__ import annotations

from functools import lru_cache

from newsloom.config import resolve_model

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
    return nlp

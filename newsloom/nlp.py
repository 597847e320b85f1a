"""The spaCy model, loaded once per process."""
from __future__ import annotations

from functools import lru_cache

from newsloom.config import resolve_model

# components that no stage reads; disabled wherever a model has them
UNUSED_COMPONENTS = ("textcat", "textcat_multilabel", "entity_linker", "spancat", "trainable_lemmatizer_unused")
MAX_CHARS = 2_000_000


@lru_cache(maxsize=2)
def load_nlp(model: str):
    """Load spaCy model ``model`` (see config.resolve_model), once per process."""
    import spacy

    nlp = spacy.load(resolve_model(model), exclude=[c for c in UNUSED_COMPONENTS])
    nlp.max_length = MAX_CHARS + 1
    return nlp

"""Names as keys: folding, surnames, the key an entity's id is a hash of, and the alias table.

These are the pieces of identity that need no corpus: what ``entity_id`` a (name, label) has, and what the
alias table says a name is.  The extract stage calls them for the ids an article alone gives; the identity
stage (``tasks.identity``) calls them again when the corpus changes a name or a label.

Person keys tolerate transliteration: the first name is reduced to its consonant skeleton (Sergey/Sergei,
Mohammed/Muhammad) and the surname is softly folded (kh->h, y->i, doubled letters once).
"""
from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

from newsloom.lang import alternatives, generational_suffixes, key_articles, name_particles
from newsloom.util import sha

ID_CHARS = 16  # hex characters of an entity id: 64 bits, no collision expected below billions of names


@lru_cache(maxsize=1)
def _leading_article() -> re.Pattern:
    return re.compile(rf"^(?:{alternatives(key_articles())}) ") if key_articles() else re.compile(r"(?!)")


@lru_cache(maxsize=65536)
def fold(s: str) -> str:
    """Lowercase, accents removed, punctuation dropped, a leading article removed (the packs' key_articles:
    'the'), spaces collapsed.  (Cached: the same names come back in every article.)"""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower().replace("’", "'")
    s = re.sub(r"['.]", "", s)
    s = re.sub(r"[^\w]+", " ", s).strip()
    return _leading_article().sub("", s)


def soft(token: str) -> str:
    """Soft transliteration fold for a surname: kh->h, y->i, ou->u, doubled letters once."""
    t = token.replace("kh", "h").replace("ou", "u").replace("y", "i").replace("ck", "k").replace("ph", "f")
    return re.sub(r"(.)\1+", r"\1", t)


def skeleton(token: str) -> str:
    """Consonant skeleton of a given name: first letter kept, vowels and y dropped, doubles collapsed."""
    t = soft(token)
    if not t:
        return t
    rest = re.sub(r"[aeiouyhw]", "", t[1:])
    return re.sub(r"(.)\1+", r"\1", t[0] + rest)


def surname(name: str) -> str:
    """The folded surname of a person name, particles (al-, van, ...) dropped: 'Bashar al-Assad' -> 'asad'."""
    toks = fold(name).replace("-", " ").split()
    while len(toks) > 1 and toks[-1] in generational_suffixes():
        toks.pop()
    return soft(toks[-1]) if toks else ""


def name_tokens(name: str) -> list[str]:
    """Folded name tokens without particles: 'Bashar al-Assad' -> ['bashar', 'assad']."""
    particles = name_particles()
    return [t for t in fold(name).replace("-", " ").split() if t not in particles]


def is_surname_only(name: str) -> bool:
    return len(name_tokens(name)) == 1


def is_full_name(name: str) -> bool:
    """Two name words or more, particles aside ("Bashar al-Assad"); a name of particles alone ("De La") is
    neither a full name nor a surname."""
    return len(name_tokens(name)) >= 2


def person_key(name: str) -> str:
    toks = name_tokens(name)
    if not toks:
        return ""
    if len(toks) == 1:
        return "~" + soft(toks[0])  # a surname alone: not yet tied to a full name
    return skeleton(toks[0]) + " " + soft(toks[-1])


def entity_id_for(name: str, label: str) -> str:
    """The id of the entity named ``name`` with ``label``: persons by their transliteration-tolerant key,
    everything else by the folded name (so a place and an organisation of one name share an id)."""
    if label == "PERSON":
        return sha("PERSON", person_key(name), n=ID_CHARS)
    return sha("ENTITY", fold(name), n=ID_CHARS)


@lru_cache(maxsize=8)
def load_aliases(extra: str | None = None) -> dict[str, tuple[str, str]]:
    """folded alias -> (canonical name, label), from the shipped table plus an optional user CSV."""
    table: dict[str, tuple[str, str]] = {}
    sources = [resources.files("newsloom").joinpath("data/aliases.csv").read_text(encoding="utf-8")]
    if extra:
        sources.append(Path(extra).read_text(encoding="utf-8"))
    for text in sources:
        rows = csv.reader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
        header = next(rows, None)
        if header is None or [h.strip().lower() for h in header[:3]] != ["alias", "name", "label"]:
            raise ValueError("an alias table needs the header: alias,name,label")
        for row in rows:
            if len(row) < 3:
                raise ValueError(f"alias row needs 3 fields: {row}")
            alias, name, label = (x.strip() for x in row[:3])
            table[fold(alias)] = (name, label.upper())
    return table

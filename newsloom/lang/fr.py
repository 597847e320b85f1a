"""French patterns that are not word lists.  ``patterns(lexicon)`` is called once, by the French pack, on
first use (newsloom.lang)."""
from __future__ import annotations

import re

from newsloom.lang.lexicon import Lexicon


def patterns(lex: Lexicon) -> dict[str, re.Pattern]:
    return {
        # where a person's name ends inside a longer span: "Amélie Roussel, économiste"
        "person_tail": re.compile(r",\s+"),
    }

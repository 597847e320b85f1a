"""French patterns that are not word lists.  ``patterns(lexicon)`` is called once, by the French pack, on
first use (newsloom.lang)."""
from __future__ import annotations

import re

from newsloom.lang.lexicon import Lexicon


def patterns(lex: Lexicon) -> dict[str, re.Pattern]:
    return {
        # where a person's name ends inside a longer span: "Amélie Roussel, économiste"
        "person_tail": re.compile(r",\s+"),
        # a place dateline at the start of a line: "LYON —", "PORT-LAURIER (AFP) —"
        "place_dateline": re.compile(r"[A-ZÀ-Ý][A-ZÀ-Ý.'’ -]*[A-ZÀ-Ý.]\s*(?:\([A-Za-z. ]{1,20}\)\s*)?(?:--|[—―–])\s"),
    }

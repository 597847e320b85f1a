"""The name an author box prints: the block under or beside a story with the writer's photo, name and
biography (a candidate source of tasks.clean.candidates)."""
from __future__ import annotations

import re

from tasks.clean.labels import SHORT_TEXT, byline_name, looks_like_a_name
from tasks.clean.markup import Candidate, element_attrs, element_text

# not language: the class and id names that themes give byline and author elements, the same on every site
AUTHOR_ATTR = re.compile(r"author|byline|writer|contributor|reporter")

MAX_AUTHOR_BOXES = 3  # a page has one author box, or one per author of a shared byline
BOX_LINE = 60  # characters of a line of an author box that can be its name, not its biography


def author_box_candidates(tree) -> list[Candidate]:
    """The name an author box prints: an element whose class or id names an author, too long to be a byline
    (a photo, the name, a biography: "<div class="author-box"><img alt="Ana Ruiz"><p>Ana Ruiz</p><p>Ana
    writes about ...</p></div>"), whose first short line of a name's shape, else its photo's alt text, is
    the name.  A box inside a box already read is not read again."""
    out: list[Candidate] = []
    read = set()
    for el in tree.iter():
        if len(out) >= MAX_AUTHOR_BOXES:
            break
        if not is_author_box(el) or any(outer in read for outer in el.iterancestors()):
            continue
        read.add(el)
        if (name := box_name(el)) is not None:
            out.append(Candidate("author", "author_box", name, element=el))
    return out


def is_author_box(el) -> bool:
    return isinstance(el.tag, str) and bool(AUTHOR_ATTR.search(element_attrs(el))) and len(element_text(el)) > SHORT_TEXT


def box_name(box) -> str | None:
    """An author box's name: its first short line that a byline reading leaves a name's shape, else the alt
    text of its photo when that has one."""
    lines = (" ".join((d.text or "").split()) for d in box.iterdescendants() if isinstance(d.tag, str))
    for line in lines:
        if line and len(line) <= BOX_LINE and (name := byline_name(line)) is not None and looks_like_a_name(name):
            return name
    alts = (" ".join((img.get("alt") or "").split()) for img in box.iter("img"))
    return next((alt for alt in alts if alt and len(alt) <= BOX_LINE and looks_like_a_name(alt)), None)

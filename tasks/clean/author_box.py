"""The name an author box prints: the block under or beside a story with the writer's photo, name and
biography; and the name a portrait is captioned with (candidate sources of tasks.clean.candidates)."""
from __future__ import annotations

import re
from itertools import islice

from tasks.clean.labels import SHORT_TEXT, byline_name, label_patterns, looks_like_a_name
from tasks.clean.markup import Candidate, element_attrs, element_text, elements_after

# not language: the class and id names that themes give byline and author elements, the same on every site
AUTHOR_ATTR = re.compile(r"author|byline|writer|contributor|reporter")

MAX_AUTHOR_BOXES = 3  # a page has one author box, or one per author of a shared byline
BOX_LINE = 60  # characters of a line of an author box that can be its name, not its biography
MAX_PORTRAITS = 3  # captioned portraits read per page: the writer's, or each writer's of a shared byline
CAPTION_ELEMENTS = 6  # elements after a photo that may print its person's name (the name under the picture)
BIO_ELEMENTS = 4  # elements after that name that may give the person's role or biography
ROLE_LINE_WORDS = 8  # a role line is short ("Senior Harbour Writer"); a longer text is prose
MAX_IMAGES = 300  # images of a page read for a portrait, in page order
# not language: where a photo's alt text ends its name ("Ana Ruiz, Staff Writer", "Ana Ruiz - Writer")
ALT_PARTS = re.compile(r"\s*(?:,|\s[-–—|]\s|\()")


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
    text of its photo when that has one (read as a portrait's: ``alt_name``)."""
    lines = (" ".join((d.text or "").split()) for d in box.iterdescendants() if isinstance(d.tag, str))
    for line in lines:
        if line and len(line) <= BOX_LINE and (name := byline_name(line)) is not None and looks_like_a_name(name):
            return name
    alts = (alt_name(img.get("alt") or "") for img in box.iter("img"))
    return next((alt for alt in alts if alt is not None and looks_like_a_name(alt)), None)


def portrait_candidates(tree) -> list[Candidate]:
    """The name of a portrait captioned with it: a photo whose alt text is a person's name (its portrait
    words and any role after it aside: "Ana Ruiz headshot", "Ana Ruiz, Staff Writer"), which one of the next
    few elements prints as its whole text ("<img alt="Ana Ruiz"><h3>Ana Ruiz</h3><p>Ana writes ...</p>"):
    an author box that no class names.  The printed name is the candidate, in the page's own case."""
    out: list[Candidate] = []
    for img in islice(tree.iter("img"), MAX_IMAGES):
        if (name := alt_name(img.get("alt") or "")) is None:
            continue
        if (printed := caption_printing(img, name)) is not None and printed not in {c.value for c in out}:
            out.append(Candidate("author", "portrait", printed, element=img))
            if len(out) > MAX_PORTRAITS:
                return []  # a grid of captioned pictures: products, places or a team page, not a byline's writers
    return out


def alt_name(alt: str) -> str | None:
    """The person's name an image's alt text gives, or None: "Ana Ruiz headshot" -> "Ana Ruiz"."""
    alt = " ".join(alt.split())
    if not alt or len(alt) > BOX_LINE:
        return None
    alt = label_patterns()["portrait"].sub("", ALT_PARTS.split(alt, maxsplit=1)[0]).strip()
    return alt if alt and len(alt.split()) in range(2, 5) and not any(c.isdigit() for c in alt) else None


def caption_printing(img, name: str) -> str | None:
    """The text of one of the CAPTION_ELEMENTS elements after ``img`` that is ``name`` alone (case aside), in
    title case, where a writer's role or a biography follows it in its block: a person's portrait, not a
    product's."""
    key = name.casefold()
    for el in islice(elements_after(img), CAPTION_ELEMENTS):
        text = " ".join((el.text or "").split())
        if text.casefold() == key and looks_like_a_name(text) and in_title_case(text):
            return text if biography_after(el, text) else None
    return None


def in_title_case(name: str) -> bool:
    """No word in capitals ("Ana Ruiz", "Marna van der Merwe"; not "CORN PLANT"): looks_like_a_name checks
    that the first and the last word are capitalised."""
    return not any(len(w) > 2 and w.isupper() for w in name.split())


def block_after(el):
    """The elements after ``el`` inside its parent: its later siblings and their descendants."""
    for sibling in el.itersiblings():
        yield sibling
        yield from sibling.iterdescendants()


def biography_after(caption, name: str) -> bool:
    """Whether one of the BIO_ELEMENTS texts after ``caption`` in its block is a writer's role or a biography:
    a short line that holds a role word of the packs, not one of the name's own ("Senior Writer"), or a text
    that opens with the name as printed or with a person's pronoun ("Ana Ruiz is ...", "She covers ...")."""
    labels = label_patterns()
    own = {w.casefold() for w in name.split()}  # "Mother Fern" is not a mother's role line
    for el in islice(block_after(caption), BIO_ELEMENTS):
        text = " ".join((el.text or "").split())
        opening = text.split()[0].casefold().strip(".,:;'’") if text else ""
        if text and (text.startswith(name + " ") or labels["person_pronoun"].fullmatch(opening)
                     or len(text.split()) <= ROLE_LINE_WORDS and any(
                         m.group().casefold() not in own for m in labels["role_word"].finditer(text))):
            return True
    return False

"""English patterns that are not word lists: the shapes of English bylines, datelines, titles and company
talk.  ``patterns(lexicon)`` is called once, by the English pack, on first use (newsloom.lang)."""
from __future__ import annotations

import re

from newsloom.lang.lexicon import Lexicon

_TITLE_WORDS = r"(?:Secretary|Minister|Ministry|Department|Secretary-General)"
_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
# a time after the date, with its half of the day ("2:43 pm", "11:30 PM") and its zone ("EST", "ET")
_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[aApP]\.?[mM]\.?)?(?:\s+[A-Z]{2,4})?)?"


def _dateline() -> re.Pattern:
    """A month-first or day-first English dateline at the start of a line: "February 13, 2017, 2:43 pm",
    "Saturday, 21. April 2018", "June 4, 2016 (EIRNS)—", "2017-04-12", "12 April 2017 |"."""
    return re.compile(
        rf"""^\s*(?:Published:?\s+|Posted:?\s+|Updated:?\s+)?{_WEEKDAY}
        (?P<date>
            {_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}
          | \d{{1,2}}(?:st|nd|rd|th)?\.?\s+{_MONTHS},?\s+\d{{4}}
          | \d{{4}}-\d{{2}}-\d{{2}}
        ){_TIME}
        (?P<tail>\s*(?:\([A-Z][A-Za-z. ]{{1,20}}\))?\s*(?:[—–-]+|\||:)?\s*)""",
        re.VERBOSE,
    )


def patterns(lex: Lexicon) -> dict[str, re.Pattern]:
    return {
        # ORG/GPE fragments cut out of a title: "State" in "Secretary of State", "Defense" in "Defense Secretary"
        "title_tail": re.compile(rf"{_TITLE_WORDS}\s+(?:of\s+)?(?:the\s+)?$"),
        "title_head": re.compile(rf"^\s+{_TITLE_WORDS}\b"),
        # where a person's name ends inside a longer span: "Ines Calloway of Meridian Shipping"
        "person_tail": re.compile(r"\s+(?:of|from|at|for|in|with)\s+|,\s+"),
        # a name that ends in an abbreviation keeps its full stop: "Harlow Inc.", "Ames Jr."
        "abbreviation_end": re.compile(r"\b(?:Jr|Sr|Inc|Co|Ltd|Corp|St)\.$"),
        # what is said only of a company: its shares, its stock, its chief executive, its earnings
        "org_context_before": re.compile(r"\b(?:shares|stock|stake|bonds|units) (?:of|in) $", re.IGNORECASE),
        "org_context_after": re.compile(r"(?:['’]s)? (?:shares|stock|subsidiary|chief executive|CEO|shareholders|"
                                        r"earnings|profits?|revenues?)\b|, (?:the|a|an) (?:[\w-]+ )?(?:company|firm|"
                                        r"group|bank|carrier|airline|insurer|retailer|manufacturer)\b"),
        # words that make a name an organisation's
        "org_words": re.compile(r"\b(?:Company|Co|Corp|Inc|Ltd|Union|Authority|Institute|Ministry|Office|Department|"
                                r"Agency|Council|Party|Bank|Group|Service|Services|University|Association|Federation|"
                                r"Committee|Commission|Court|Police|Army|Times|News|Post|Gazette|Ledger|Radio|"
                                r"Television|TV)\b"),
        "dateline": _dateline(),
        # a place dateline at the start of a line: "DUNMERE --", "TARROW (AP) —", "PORT ELLIS, Kestria —"; in title
        # case only with its division or country after a comma ("Cortland, N.Y. —"), as local papers write it: a
        # lone capitalised word before a dash opens many a line that is no dateline
        "place_dateline": re.compile(r"(?:[A-Z][A-Z.'’ -]*[A-Z.](?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)?"
                                     r"|[A-Z][a-z'’-]+(?:\s[A-Z][a-z'’-]+){0,2},\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*)?)\s*"
                                     r"(?:\([A-Za-z. ]{1,20}\)\s*)?(?:--|[—―–])\s"),
        # a title part that is a byline: "... | By Ana Ruiz"
        "byline_part": re.compile(r"^\s*by\s", re.IGNORECASE),
        # a headline followed by its byline: “Museum to close in December,” by the Ledger's Ana Ruiz
        "byline_after": re.compile(r"\s*,?\s*by\s+(?:the\s+)?[A-Z]"),
        # an excerpt after its byline, as newsletters quote other outlets: "...," by the Ledger's Ana Ruiz: “...
        "byline_before": re.compile(r"[”\"'’],?\s+by\s+(?:the\s+)?[A-Z][^:\n“”\"]{0,60}:$"),
        # a programme or publication named after its broadcaster: said on DTV's “Harbour Hour”
        "broadcast_title": re.compile(r"\b(?:on|in)\s+(?:[A-Z][\w.&-]*\s+){0,3}[A-Z][\w.&-]*['’]s?\s*$"),
        # a programme or publication after "on" or "for": he said on “Dunmere Tonight”
        "on_title": re.compile(r"\b(?:on|for)\s*$"),
        # items of a list of titles: “A”, “B” and “C”
        "list_next": re.compile(r"\s*(?:and\s+|or\s+)?[“\"]"),
        "list_prev": re.compile(r",\s*[”\"]\s*,?\s*(?:and|or)\s+$"),
        # a quote introduced by whose words it is: "in her words, “", "in the words of Ilse Dorn, “"
        "in_words": re.compile(r"\b[Ii]n\s+(?:(?P<owner>his|her|their|[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,2}['’]s?)\s+"
                               r"(?:own\s+)?words|the\s+words\s+of\s+(?P<of>[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,3}))"
                               r"\s*[,:]?\s*[“\"‘'«„]*$"),
    }

"""The article's text as the model should read it: headline casing undone, character for character.

The model learned names from running text, where a capital marks a name.  Headlines break that: a wire
headline in capitals gives it few names and wrong labels, and a headline in title case ("Mayor Kolby
Rejects Harbour Plan") gives it one long name that holds the verb.  Both kinds of line are re-cased before
the parse, with the length of every character kept, so that every offset into the re-cased text is an
offset into the article's own text (the rows keep the article's own words: ``as_written``).
"""
from __future__ import annotations

import re

from newsloom.lang import LanguagePack
from newsloom.nlp import Dictionary

CAPS_LINE_MIN_LETTERS = 4
ABBREVIATION_MAX_LETTERS = 3  # "INC.", "CO.": a longer word before a full stop ends a sentence
CAPS_SHARE = 0.8  # a line whose letters are at least this share capitals is set in capitals
HEADLINE_MIN_WORDS = 3  # two capitalised words are as often a name ("Tarrow Harbour") as a headline
CAPITALS_HEADLINE_MIN_WORDS = 2
SHORT_WORD = 2  # a word of two letters or fewer is an initial or an abbreviation as often as a word
NOT_HEADLINE = re.compile(r"[\d()]|,.*,")  # figures, brackets or a list: a table row or a list of names
WORD = re.compile(r"[^\W\d_]+")
MID_SENTENCE_WORD = re.compile(r"(?<=[\w,;)%])[ \t]+([^\W\d_]+)")


def _title_word(word: str) -> str:
    """A word of a line in capitals as a headline writer would case it: "HARBOUR" -> "Harbour".  Words of
    one or two letters, words with a full stop inside ("U.S.") and short words that end in one ("INC.")
    stay as they are: they are mostly abbreviations ("APPENDED." ends a sentence).  Characters whose lower case is longer (İ) stay too, so the length never changes."""
    letters = sum(c.isalpha() for c in word)
    if letters <= 2 or "." in word.rstrip(".") or ("." in word and letters <= ABBREVIATION_MAX_LETTERS):
        return word
    out, first = [], True
    for c in word:
        if c.isalpha():
            low = c.lower()
            out.append(c if first or len(low) != 1 else low)
            first = False
        else:
            out.append(c)
    return "".join(out)


def is_capitals_line(line: str) -> bool:
    """A line whose letters are at least CAPS_SHARE capitals (a wire headline, a dateline)."""
    uppers = sum(map(str.isupper, line))
    if uppers < CAPS_SHARE * CAPS_LINE_MIN_LETTERS:
        return False  # most lines: no need to count their letters
    letters = sum(map(str.isalpha, line))
    return letters >= CAPS_LINE_MIN_LETTERS and uppers >= CAPS_SHARE * letters


def _title_case(line: str) -> str:
    return re.sub(r"\S+", lambda m: _title_word(m.group()), line)


def truecase_capitals(text: str) -> str:
    """``text`` with every line set in capitals (a wire headline, a dateline, a results heading) in title
    case, character for character, so that offsets into it are offsets into ``text``.  The model learned
    names from mixed-case text: in capitals it finds few of them and mislabels what it finds."""
    return "\n".join(_title_case(line) if is_capitals_line(line) else line for line in text.split("\n"))


SENTENCE_INSIDE = re.compile(r"[a-z]{3}[.!?]\s+[A-Z]")  # "Votes. The": a sentence ends inside ("St. Paul" is
# an abbreviation: its full stop follows fewer than three lowercase letters)


def is_title_case_line(line: str, small_words: frozenset, min_words: int = HEADLINE_MIN_WORDS) -> bool:
    """A headline in title case: at least ``min_words`` words, every one that is not one of the language's
    small title words ("of", "in", "the") capitalised, and no sentence inside it."""
    words = WORD.findall(line)
    if len(words) < min_words or SENTENCE_INSIDE.search(line) or NOT_HEADLINE.search(line):
        return False
    big = [w for w in words if w.lower() not in small_words and len(w) > SHORT_WORD]  # not "s" of "Kolby’s"
    return all(w[0].isupper() for w in big) and len(big) >= min_words - 1


class CaseEvidence:
    """How the article writes each word outside its headlines: capitalised inside a sentence ("said
    Kolby"), capitalised at a sentence's start, or in lower case."""

    def __init__(self, prose: str):
        self.mid = {m.group(1) for m in MID_SENTENCE_WORD.finditer(prose) if m.group(1)[0].isupper()}
        words = WORD.findall(prose)
        self.capitalised = {w for w in words if w[0].isupper()}
        self.lower = {w for w in words if w.islower()}

    def is_name_word(self, word: str) -> bool:
        """The article writes ``word`` as a name: capitalised inside a sentence, or capitalised and never in
        lower case ("Japan" opening a sentence, and nowhere "japan")."""
        return word in self.mid or (word in self.capitalised and word.lower() not in self.lower)


def _headline_word_case(word: str, evidence: CaseEvidence, dictionary: Dictionary) -> str:
    """``word`` of a title-case headline in lower case where it is a common word the article never writes as
    a name: an inflected form of a verb of the dictionary ("Warns", "Thanked", "Hammering": a base form such
    as "Mark" or "Rose" is as often a name), or a word the article writes in lower case elsewhere ("Plan")."""
    low = word.lower()
    if len(word) <= SHORT_WORD or not word[0].isupper() or word[1:] != word[1:].lower() or len(low) != len(word):
        return word  # "McCain", "UN", "S" of "U.S.": mixed case, abbreviations and initials are names
    if evidence.is_name_word(word):
        return word
    if low in evidence.lower or dictionary.is_verb_form(low):
        return low
    return word


def sentence_case_headlines(text: str, pack: LanguagePack, dictionary: Dictionary) -> str:
    """``text`` with the common words of its title-case headlines in lower case (for languages whose pack
    says their headlines are set in title case), so that "Mayor Vessa Kolby Rejects Harbour Plan" reads as
    "Mayor Vessa Kolby rejects harbour plan" if the article writes "plan" and never "Harbour" as a name.
    The result has the length of ``text`` at every character."""
    lines = text.split("\n")
    _sentence_case(lines, frozenset(), pack, dictionary)
    return "\n".join(lines)


def _sentence_case(lines: list[str], capitals: frozenset, pack: LanguagePack, dictionary: Dictionary) -> None:
    """``lines`` with their title-case headlines sentence-cased, in place.  A line that was set in capitals
    (its index in ``capitals``) is a headline from two words ("CORRECTION APPENDED"): a name alone is seldom
    a line in capitals."""
    if not pack.lexicon.title_case_headlines:
        return
    small = pack.lexicon.title_small_words
    headlines = [i for i, line in enumerate(lines)
                 if is_title_case_line(line, small, CAPITALS_HEADLINE_MIN_WORDS if i in capitals else HEADLINE_MIN_WORDS)]
    if not headlines:
        return
    taken = set(headlines)
    evidence = CaseEvidence("\n".join(line for i, line in enumerate(lines) if i not in taken))
    for i in headlines:
        lines[i] = WORD.sub(lambda m: _headline_word_case(m.group(), evidence, dictionary), lines[i])


def text_for_model(text: str, pack: LanguagePack, dictionary: Dictionary) -> str:
    """What the model reads of an article: lines in capitals title-cased, then title-case headlines
    sentence-cased.  Same length as ``text``, character for character; the lines are split once."""
    lines = text.split("\n")
    capitals = frozenset(i for i, line in enumerate(lines) if is_capitals_line(line))
    for i in capitals:
        lines[i] = _title_case(lines[i])
    _sentence_case(lines, capitals, pack, dictionary)
    return "\n".join(lines)

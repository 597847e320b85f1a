"""What a relative pronoun stands for: "Tomas Ek, who said ..." names Tomas Ek (``tasks.quotes.speakers``
asks when a tagger's source is the pronoun itself)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasks.quotes.speakers import Context

# what may stand between a relative pronoun and the noun it refers to: commas, dashes and adverbials
# ("Feld, yesterday, who said ...", "the board, in turn, which ...")
SKIPPED_BEFORE_RELATIVE = frozenset({"punct", "npadvmod", "advmod"})


def noun_before(pronoun) -> object | None:
    """The noun a relative pronoun refers back to: the nearest noun or name before it in its sentence, with
    only punctuation and adverbials between; None when another word comes first ("and that shows ...")."""
    sent_start = pronoun.sent.start
    for tok in reversed(pronoun.doc[sent_start:pronoun.i]):
        if tok.pos_ in ("NOUN", "PROPN") and tok.dep_ != "npadvmod":
            return tok
        if tok.dep_ not in SKIPPED_BEFORE_RELATIVE:
            return None
    return None


def relative_antecedent(ctx: Context, pronoun) -> object | None:
    """The noun a relative pronoun stands for: the head of its relative clause, or, where the parser hung the
    clause elsewhere ("Feld, yesterday, who charged ..." as an adverbial clause of the main verb), the noun
    just before it.

    A person's pronoun ("who") stands for a person. From a noun that no person's mention holds, it climbs
    the phrase to its highest person ("Ilse Dorn, a pilot from Varnhelm, who ...": the parser hangs the
    clause on the town). It tries the clause's head first, then the noun just before the pronoun ("the
    remarks followed those of Tomas Ek, yesterday, who ...": the parser hangs the clause on "remarks"), and
    stays at the first noun when no person is up either phrase."""
    nouns = [pronoun.head.head] if pronoun.head.dep_ == "relcl" and pronoun.head.head.i < pronoun.i else []
    nouns = [n for n in (*nouns, noun_before(pronoun)) if n is not None]
    if not nouns or pronoun.lower_ not in ctx.lex.person_relative_pronouns:
        return nouns[0] if nouns else None
    for noun in nouns:
        persons = [tok for tok in _up_the_phrase(noun) if in_person(ctx, tok)]
        if persons:
            return persons[-1]  # the phrase's own person, not one its modifiers name
    return nouns[0]


def in_person(ctx: Context, tok) -> bool:
    """Whether a person's mention holds the token."""
    return any(m["label"] == "PERSON" and m["start_char"] <= tok.idx < m["end_char"]
               for m in ctx.mentions_in(tok.sent.start_char, tok.sent.end_char))


def _up_the_phrase(noun) -> list:
    """``noun`` and each noun it hangs on inside one noun phrase, up to the phrase's top: the head of its
    preposition ("a pilot from Varnhelm") or of its apposition ("Dorn, a pilot")."""
    chain = [noun]
    while True:
        tok = chain[-1]
        if tok.dep_ == "pobj" and tok.head.dep_ == "prep" and tok.head.head.pos_ in ("NOUN", "PROPN"):
            chain.append(tok.head.head)
        elif tok.dep_ == "appos" and tok.head.pos_ in ("NOUN", "PROPN"):
            chain.append(tok.head)
        else:
            return chain


def antecedent_mention(ctx: Context, pronoun) -> dict | None:
    """The person, organisation or place mention that holds a relative pronoun's antecedent."""
    noun = relative_antecedent(ctx, pronoun)
    if noun is None:
        return None
    return next((m for m in ctx.mentions_in(noun.sent.start_char, noun.sent.end_char)
                 if m["start_char"] <= noun.idx < m["end_char"] and m["label"] in ("PERSON", "ORG", "GPE")), None)

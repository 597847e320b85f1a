"""Names hold only name words: a headline's verb, a title or a lowercase word never becomes part of a person's
name (issue 34).  Every article here is fictional; the rule is about parts of speech and headline casing, so
it is tried on headlines of many verbs, in title case and in capitals."""
import pyarrow as pa
import pytest

from newsloom.lang import pack_for
from newsloom.nlp import dictionary_of
from tasks.extract import extract_mentions_and_quotes
from tasks.extract.casing import is_title_case_line, sentence_case_headlines, text_for_model

VERBS = ["Warns", "Blasts", "Thanks", "Praises", "Slams", "Rejects", "Backs", "Urges", "Defends", "Accuses",
         "Hires", "Sues", "Welcomes", "Criticizes", "Thanked", "Questioned", "Challenges", "Endorses", "Mocks",
         "Scolds", "Rebukes", "Applauds", "Snubs", "Courts"]
BODY = ("\n\nMayor Vessa Kolby spoke on Tuesday about the harbour plan in Dunmere. Orlan Fadey, who chairs the "
        "port board, said the plan would fail. Kolby and Fadey will meet again next week, aides to Kolby said.")
PEOPLE = {"Vessa Kolby", "Orlan Fadey"}


def _persons(nlp, aliases, texts):
    table = pa.table({"text": texts, "article_id": [f"a{i}" for i in range(len(texts))]})
    mentions, _ = extract_mentions_and_quotes(table, nlp, aliases, "r", pack_for("en"))
    return [m for m in mentions.to_pylist() if m["label"] == "PERSON"]


@pytest.mark.parametrize("case", [str.title, str.upper], ids=["title case", "capitals"])
def test_a_headline_verb_never_joins_a_name(nlp, aliases, case):
    texts = [case(f"Vessa Kolby {verb} Orlan Fadey Over Harbour Plan") + BODY for verb in VERBS]
    persons = _persons(nlp, aliases, texts)
    for m in persons:
        verb = VERBS[int(m["article_id"][1:])]
        assert verb.lower() not in m["surface"].lower(), (verb, m["surface"])
        assert m["name"] in PEOPLE, (verb, m["name"])
    # every article still finds both people, in its body at least
    for i in range(len(VERBS)):
        assert {m["name"] for m in persons if m["article_id"] == f"a{i}"} == PEOPLE


def test_the_model_reads_a_title_case_headline_in_sentence_case_keeping_the_names(nlp):
    pack, dictionary = pack_for("en"), dictionary_of(nlp)
    headline = "Vessa Kolby Rejects Harbour Plan After Long Talks"
    text = headline + BODY
    shown = text_for_model(text, pack, dictionary)
    assert len(shown) == len(text) and shown[len(headline):] == BODY
    # the names stay; the verb form and the words the body writes in lower case ("harbour", "plan") go down;
    # a word with no such evidence keeps its capital ("Long" is a surname as often as an adjective)
    assert shown.splitlines()[0] == "Vessa Kolby rejects harbour plan After Long talks"
    # figures, brackets or a list make a line a table row or a list of names, not a headline
    assert not is_title_case_line("Marta Lind (Kestria) 12.92", pack.lexicon.title_small_words)
    assert not is_title_case_line("Green, Vessa Kolby, Orlan Fadey, Ines Calloway", pack.lexicon.title_small_words)
    # a line with a sentence inside is prose, not a headline; two words are a name as often as a headline
    small = pack.lexicon.title_small_words
    assert not is_title_case_line("Kolby Spoke. Fadey Left Early", small)
    assert not is_title_case_line("Vessa Kolby", small)
    assert is_title_case_line("St. Anselm Votes To Close The Harbour", small)  # "St." is no full stop of a sentence
    # a language whose headlines are not in title case is read as written
    assert sentence_case_headlines(text, pack_for("fr"), dictionary) == text


def test_a_title_is_trimmed_from_the_name_and_kept_as_evidence(nlp, aliases):
    text = ("Ms Ilse Okafor opened the new ferry terminal in Dunmere on Monday. Mr. Tomas Brandt, the port's "
            "director, was there too. Later Mrs. Okafor thanked the crews, and Senator Brandt left early.")
    persons = {(m["surface"], m["start_char"]): m for m in _persons(nlp, aliases, [text])}
    first = persons[("Ilse Okafor", text.index("Ilse"))]
    assert (first["title"], first["title_gender"]) == ("Ms", "female")
    assert persons[("Tomas Brandt", text.index("Tomas"))]["title_gender"] == "male"
    later = persons[("Okafor", text.index("Okafor thanked"))]
    assert (later["name"], later["title"], later["title_gender"]) == ("Ilse Okafor", "Mrs.", "female")
    assert persons[("Brandt", text.index("Brandt left"))]["title"] == "Senator"
    assert all(not m["surface"].startswith(("Ms", "Mr", "Senator")) for m in persons.values())


def test_a_place_dateline_is_a_place_not_a_person(nlp, aliases):
    """The model reads a dateline's city in capitals as a person as often as a place; the dateline's shape
    ("TARROW (AP) —", "DUNMERE --") says it names where the story was filed."""
    texts = ["TARROW (AP) — Mayor Vessa Kolby said on Monday that the ferry would run again.",
             "DUNMERE -- Orlan Fadey, who chairs the port board, said the plan would fail."]
    table = pa.table({"text": texts, "article_id": ["a0", "a1"]})
    mentions, _ = extract_mentions_and_quotes(table, nlp, aliases, "r", pack_for("en"))
    labels = {m["surface"]: m["label"] for m in mentions.to_pylist()}
    assert labels.get("TARROW") == "GPE"  # the bare model calls it an organisation
    assert labels.get("Vessa Kolby") == "PERSON" and labels.get("Orlan Fadey") == "PERSON"
    assert "DUNMERE" not in labels or labels["DUNMERE"] == "GPE"


def test_a_title_of_a_work_that_holds_a_name_does_not_become_the_person(nlp, aliases):
    """The article's vote may call a book's title a person ("The Making of Vessa Kolby", with the surname
    said elsewhere); a span whose person's part is no full name keeps the model's label, and the bare
    surname is not resolved to the title."""
    text = ('The port board read "The Making of Vessa Kolby," a biography by Orlan Fadey, before the vote. '
            "Kolby said nothing. Later Kolby left.")
    persons = _persons(nlp, aliases, [text])
    assert {m["name"] for m in persons} <= {"Orlan Fadey", "Kolby", "Vessa Kolby"}
    assert all("Making" not in m["surface"] for m in persons)

"""Quote extraction on the real model: each form a reporter uses, in fictional text written for it."""
import pytest
from conftest import read_article

from newsloom.lang import pack_for
from tasks.quotes.marks import find_quote_segments


@pytest.fixture()
def quotes_of(nlp, aliases):
    """The quotes of a text, through the extract stage's production wrapper."""
    def run(text):
        return read_article(nlp, aliases, text)[1]
    return run


def direct(qs):
    return [q for q in qs if q["kind"] == "direct"]


def one(qs, needle):
    hits = [q for q in qs if needle in q["text"]]
    assert len(hits) == 1, (needle, [q["text"] for q in qs])
    return hits[0]


def test_offsets_and_marks(quotes_of):
    text = "“The bridge will open in May,” said Mayor Ilse Dorn on Tuesday."
    q = one(quotes_of(text), "bridge")
    assert text[q["start_char"]:q["end_char"]] == q["text"] == "The bridge will open in May,"
    assert q["speaker"] == "Ilse Dorn" and q["cue"] == "say" and q["attribution"] == "explicit"
    assert text[q["speaker_start"]:q["speaker_end"]] == q["speaker_surface"]
    assert q["speaker_entity_id"] is not None and 0.8 <= q["confidence"] <= 1


@pytest.mark.parametrize("text, needle, speaker", [
    ("Harbour chief Jonas Feld said: “We are ready to talk tomorrow morning.”", "ready", "Jonas Feld"),
    ("“We are ready to talk tomorrow morning,” Jonas Feld said.", "ready", "Jonas Feld"),
    ("“We are ready to talk tomorrow morning,” said port spokesman Jonas Feld.", "ready", "Jonas Feld"),
    ("“We are ready to talk tomorrow morning,” Jonas Feld told the Dunmere Ledger on Monday.", "ready", "Jonas Feld"),
    ("“Go back to your office,” Jonas Feld barked at the inspector.", "office", "Jonas Feld"),
    ("“This is fantastic!” beamed Ilse Dorn, who had waited ten years for the bridge.", "fantastic", "Ilse Dorn"),
    ("“We are ready to talk tomorrow morning,” Jonas Feld said in a statement.", "ready", "Jonas Feld"),
    ("Jonas Feld: “We are ready to talk tomorrow morning.”", "ready", "Jonas Feld"),
    ("Jonas Feld runs the harbour. \"We are ready to talk tomorrow morning,\" he said.", "ready", "Jonas Feld"),
    ("Jonas Feld runs the harbour. «We are ready to talk tomorrow morning», he said.", "ready", "Jonas Feld"),
    ("Jonas Feld runs the harbour. „We are ready to talk tomorrow morning“, he said.", "ready", "Jonas Feld"),
    ("Jonas Feld runs the harbour. ‘We are ready to talk tomorrow morning,’ he said.", "ready", "Jonas Feld"),
    # one capitalised word is a term (“ISIS”) unless a frame follows it at once, as speech
    ("Jonas Feld runs the harbour. “Quiet,” Feld demanded as the inspector kept talking.", "Quiet", "Jonas Feld"),
    # an inverted cue the parser hangs on the quote's own verb
    ("“The risk,” said Jonas Feld, an economist who runs the Dunmere Institute, “is that the ferries "
     "stop for good.”", "The risk", "Jonas Feld"),
    # an appositive between the name and the verb; verbs of where and how it was said
    ("“We were wrong to wait so long,” Marta Oksel, 58, told the Dunmere Ledger on Monday.", "wrong", "Marta Oksel"),
    ("“The ferry will not sail in this fog,” Jonas Feld fumed on Tuesday.", "ferry", "Jonas Feld"),
    ("“Note to the council: we are not going anywhere,” Jonas Feld posted on Facebook.", "council", "Jonas Feld"),
    # a name in brackets inside the quote is not the subject of the frame
    ("“In talks with other mayors, [Dorn] can be very stubborn,” Jonas Feld said.", "stubborn", "Jonas Feld"),
    # a frame that introduces the quote beats a new sentence after it
    ("Mayor Ilse Dorn nodded and said, “The bridge will open in May.” The inspector then recalled a visit to the quay.",
     "bridge", "Ilse Dorn"),
])
def test_attribution_forms(quotes_of, text, needle, speaker):
    q = one(direct(quotes_of(text)), needle)
    assert q["speaker"] == speaker, q


def test_the_speaker_is_the_person_a_source_phrase_is_about(quotes_of):
    """Not a person that the description after the name, or a clause inside the phrase, names."""
    qs = quotes_of("“The ferry must run,” said Ilse Dorn, an adviser to Mayor Tomas Ek.\n\n"
                   "The head of the union that backs Mayor Tomas Ek, Ilse Dorn, said the ferry must run.\n\n"
                   "“We wait for the tide,” said Jonas Feld, a pilot from Varnhelm.")
    assert [(q["text"], q["speaker"]) for q in qs] == [
        ("The ferry must run,", "Ilse Dorn"), ("the ferry must run", "Ilse Dorn"),
        ("We wait for the tide,", "Jonas Feld")]


def test_a_frame_that_interrupts_a_name_is_not_that_persons(quotes_of):
    """'Dorn, he said, "would ..."': Dorn is the subject of what was said; "he" is the earlier speaker."""
    qs = quotes_of("Harbour chief Jonas Feld spoke to reporters on Monday about the vote. Mayor Ilse Dorn, he "
                   "said, \"would rather resign than close the quay before the storm season.\"")
    assert one(qs, "resign")["speaker"] == "Jonas Feld"


def test_a_dateline_is_not_part_of_what_was_said(quotes_of):
    qs = quotes_of("ROTTERDAM (Kestria Today) — Nordvale Ferries, the Kestrian operator, will open weekly freight "
                   "sailings to Rotterdam and Lisbon in June, its chief executive Ilsa Marwood said on Thursday at a "
                   "shipping fair in the Dutch port.\n\nMarwood said the company had signed berth agreements.")
    q = one(qs, "freight sailings")
    assert q["text"].startswith("Nordvale Ferries") and q["speaker"] == "Ilsa Marwood"


def test_a_speakers_surface_has_no_trailing_comma(quotes_of):
    qs = quotes_of("Owen Tarrant, the union's deputy leader, said that members had voted by a large margin to "
                   "continue the strike for another week.")
    q = one(qs, "continue the strike")
    assert q["speaker"] == "Owen Tarrant" and q["speaker_surface"] == "Owen Tarrant, the union's deputy leader"


def test_climbing_a_parse_stops_at_the_root(nlp):
    """A sentence's root is its own head (spaCy gives a new Token object for it on each call, so only the
    index tells): climbing from a name that is the root ends there instead of looping."""
    import threading

    from newsloom.lang import pack_for as pack
    from tasks.quotes.speakers import Context, _modifies_another_word

    text = "Ilse Dorn, the harbour master."
    doc = nlp(text)
    root = next(t for t in doc if t.dep_ == "ROOT")
    mention = {"start_char": root.idx, "end_char": root.idx + len(root), "label": "PERSON"}
    ctx = Context(doc, text, [], pack("en"), quote_spans=[])
    result = []
    worker = threading.Thread(target=lambda: result.append(_modifies_another_word(ctx, mention, 0, len(text))),
                              daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert result == [False]


def test_a_source_that_is_only_a_title_takes_the_name_after_it(nlp):
    """A tagger's source span can stop after "Mr."; the speaker is the person the title belongs to."""
    from newsloom.lang import pack_for as pack
    from tasks.quotes.speakers import Context, resolve_speaker

    text = "Since the vote, Mr. Tomas Ek has been a loyal ally of the mayor."
    doc = nlp(text)
    a = text.index("Tomas Ek")
    ek = {"start_char": a, "end_char": a + len("Tomas Ek"), "label": "PERSON", "name": "Tomas Ek", "entity_id": "e1"}
    ctx = Context(doc, text, [ek], pack("en"), quote_spans=[])
    title = text.index("Mr.")
    head = next(t for t in doc if t.text == "Mr.")
    speaker = resolve_speaker(ctx, title, title + len("Mr."), head, "be", "explicit")
    assert (speaker.name, text[speaker.surface_start:speaker.surface_end]) == ("Tomas Ek", "Mr. Tomas Ek")
    # a span that is more than a title keeps its end
    lone = resolve_speaker(ctx, text.index("the vote"), text.index("the vote") + len("the vote"), None, "be", "explicit")
    assert (lone.name, text[lone.surface_start:lone.surface_end]) == (None, "the vote")


def test_a_one_word_answer_that_a_verb_of_saying_introduces_is_a_quote(quotes_of):
    """'said, “No.”' is an answer, not a word in scare quotes; a capitalised word in marks with no such frame
    still is not a quote."""
    qs = quotes_of("Asked whether the quay would reopen, Tomas Ek shook his head and said, “No.”\n\n"
                   "Ferries leave from the “Gullhaven” pier every hour.")
    no = one(qs, "No.")
    assert no["speaker"] == "Tomas Ek" and no["kind"] == "direct"
    assert not [q for q in qs if "Gullhaven" in q["text"]]


def test_an_appositive_describes_a_named_subject_and_names_an_unnamed_one(nlp):
    """'Jonas Feld, a senior adviser to Tomas Ek, said': Feld spoke, the appositive only describes him; 'Castell's
    deputy, Owen Tarrant, said': the appositive names who the subject is."""
    from newsloom.lang import pack_for as pack
    from tasks.quotes.speakers import Context, speaker_from_subject

    def speaker(text: str, names: tuple[str, ...]):
        doc = nlp(text)
        mentions = [{"start_char": text.index(n), "end_char": text.index(n) + len(n), "label": "PERSON", "name": n,
                     "entity_id": n} for n in names]
        said = next(t for t in doc if t.lemma_ == "say")
        subj = next(t for t in said.children if t.dep_ == "nsubj")
        found = speaker_from_subject(Context(doc, text, mentions, pack("en"), quote_spans=[]), subj, "say")
        return found.name, text[found.surface_start:found.surface_end]

    assert speaker("Jonas Feld, a senior adviser to Tomas Ek, said the quay would close.",
                   ("Jonas Feld", "Tomas Ek")) == ("Jonas Feld", "Jonas Feld")
    assert speaker("Castell's deputy, Owen Tarrant, said the union would appeal.",
                   ("Owen Tarrant",)) == ("Owen Tarrant", "Owen Tarrant")


def test_a_source_that_opens_with_who_is_the_person_it_stands_for(nlp):
    """A tagger's source 'who was listed on the Tomas Ek slate' names Jonas Feld, before it, not the person
    its clause names."""
    from newsloom.lang import pack_for as pack
    from tasks.quotes.speakers import Context, resolve_speaker

    text = "Jonas Feld, who was listed on the Tomas Ek slate, told reporters the slate would hold."
    doc = nlp(text)
    mentions = [{"start_char": text.index(n), "end_char": text.index(n) + len(n), "label": "PERSON", "name": n,
                 "entity_id": n} for n in ("Jonas Feld", "Tomas Ek")]
    start, end = text.index("who"), text.index(" slate,") + len(" slate")
    head = next(t for t in doc if t.text == "listed")
    found = resolve_speaker(Context(doc, text, mentions, pack("en"), quote_spans=[]), start, end, head, "tell", "explicit")
    assert found.name == "Jonas Feld"


def test_a_relative_pronoun_speaks_for_the_person_before_it(quotes_of):
    """'who' as the source: the person it stands for, also where the parser hangs the clause on another
    word; the row keeps the pronoun as its surface."""
    qs = quotes_of("The mayor's remarks on the ferry followed those of the port's chief engineer Tomas Ek, "
                   "yesterday, who charged that closing the quay early is reckless.\n\n"
                   "The crews met Jonas Feld, a pilot from Varnhelm, who said the crews were ready.")
    reckless, ready = one(qs, "reckless"), one(qs, "crews were ready")
    assert reckless["speaker"] == "Tomas Ek" and reckless["speaker_surface"] == "who"
    assert ready["speaker"] == "Jonas Feld"


def test_pronoun_resolves_to_the_subject_person(quotes_of):
    text = ("Union leader Priya Castell met the mayor, Amara Quist, on Tuesday. "
            "Castell spoke first. “We have waited eleven years for this,” she said.")
    q = one(quotes_of(text), "eleven years")
    assert q["speaker"] == "Priya Castell" and q["attribution"] == "pronoun" and q["speaker_surface"] == "she"


def test_a_definite_role_description_names_who_the_story_is_about(quotes_of):
    """'the Dunmere governor said': the person the main clause before it is about, not a name a subordinate
    clause mentions on the way; with no such person the row names nobody."""
    qs = quotes_of("Priya Castell opened the new ferry terminal on Monday, hours after Tomas Ek criticised its cost.\n\n"
                   "The Dunmere governor said the terminal would pay for itself within a decade.\n\n"
                   "The harbour director said the quay would close for repairs in March.")
    assert one(qs, "pay for itself")["speaker"] == "Priya Castell"
    nobody = quotes_of("The harbour director said the quay would close for repairs in March.")
    assert one(nobody, "close for repairs")["speaker"] is None
    moved_on = quotes_of("Priya Castell spoke at the opening on Sunday.\n\nKestria Shipping Ltd. opened its new "
                         "terminal on Monday.\n\nThe harbour director said the quay would close for repairs in March.")
    assert one(moved_on, "close for repairs")["speaker"] is None  # the story has left Castell for a company


def test_continuation_and_multi_paragraph_quote(quotes_of):
    text = ("“The harbour will reopen on Monday,” harbour chief Jonas Feld said.\n\n"
            "“Every crew will be back at work by noon.”\n\n"
            "Feld also spoke about the backlog: “It will take weeks to clear.\n\n"
            "“Some ships have already gone south, and some will not come back.”")
    qs = direct(quotes_of(text))
    cont = one(qs, "Every crew")
    assert cont["speaker"] == "Jonas Feld" and cont["attribution"] == "continuation"
    first, second = one(qs, "weeks to clear"), one(qs, "Some ships")
    assert first["utterance_id"] == second["utterance_id"]
    assert first["speaker"] == second["speaker"] == "Jonas Feld"


def test_interrupted_quote_is_one_utterance(quotes_of):
    text = "“Every hour costs money,” said Ines Calloway of Meridian Shipping, “and our customers will not wait.”"
    qs = direct(quotes_of(text))
    a, b = one(qs, "Every hour"), one(qs, "customers")
    assert a["utterance_id"] == b["utterance_id"]
    assert a["speaker"] == b["speaker"] == "Ines Calloway"


def test_partial_quote_is_one_reported_clause(quotes_of):
    text = "Kestria has a “special duty” to keep the port open, Foreign Minister Helena Marsh said on Friday."
    qs = quotes_of(text)
    q = one(qs, "special duty")  # the clause with its quoted words, not a second row for the fragment
    assert q["text"] == "Kestria has a “special duty” to keep the port open"
    assert q["kind"] == "indirect" and q["speaker"] == "Helena Marsh"


def test_a_report_that_opens_before_the_marks_is_indirect(quotes_of):
    """'that “...”': the reporter wrote "that", so the row is a reported clause (the contract's indirect), even
    when nearly all of its characters are inside the marks."""
    text = ('Harbour chief Jonas Feld stressed that "ferry crews should leave the damaged quay before the storm '
            'season begins," adding that the board agreed.')
    q = one(quotes_of(text), "ferry crews")
    assert q["text"].startswith("that") and q["kind"] == "indirect", q


def test_quoted_words_inside_someones_sentence_are_that_clause(quotes_of):
    text = "Harbour chief Jonas Feld told residents on Monday to “stay off the harbour road” until the cranes are gone."
    q = one(quotes_of(text), "harbour road")
    assert q["kind"] == "indirect" and q["speaker"] == "Jonas Feld"
    assert "to “stay off the harbour road” until" in q["text"] and q["text"].endswith("cranes are gone")
    assert not direct(quotes_of(text))  # the fragment is inside the clause, not a row of its own


def test_what_someone_says_of_someone(quotes_of):
    q = one(quotes_of("Union leader Priya Castell accused the port authority of stalling the talks for a month."),
            "stalling")
    assert q["speaker"] == "Priya Castell" and q["text"] == "the port authority of stalling the talks for a month"


def test_two_apostrophes_are_a_double_mark(quotes_of):
    text = "Priya Castell leads the union. ''We will not sign this offer,'' she said on Monday."
    q = one(direct(quotes_of(text)), "will not sign")
    assert q["text"] == "We will not sign this offer," and q["speaker"] == "Priya Castell"


def test_indirect_speech(quotes_of):
    text = ("Priya Castell said that the union would accept mediation only after a better offer. "
            "Jonas Feld told reporters the backlog would take two weeks to clear.")
    qs = [q for q in quotes_of(text) if q["kind"] == "indirect"]
    a = one(qs, "union would accept mediation")
    # the complementizer belongs to the reported clause, as annotators of attribution mark it
    assert a["speaker"] == "Priya Castell" and a["text"] == "that the union would accept mediation only after a better offer"
    b = one(qs, "backlog would take")
    assert b["speaker"] == "Jonas Feld" and b["cue"] == "tell"


def test_speech_clause_inside_the_sentence(quotes_of):
    """"The new quay, Jonas Feld said, would open in the spring.": both sides are the reported words, one
    utterance with one speaker."""
    text = "Priya Castell met the dockers on Monday. The new quay, Jonas Feld said, would open in the spring."
    qs = [q for q in quotes_of(text) if q["kind"] == "indirect"]
    right = one(qs, "would open in the spring")
    left = one(qs, "The new quay")
    assert right["text"] == "would open in the spring" and left["text"] == "The new quay"
    assert right["speaker"] == left["speaker"] == "Jonas Feld"
    assert right["utterance_id"] == left["utterance_id"]


def test_according_to(quotes_of):
    text = "The talks will resume on Wednesday, according to port spokesman Tobias Renner."
    qs = quotes_of(text)
    assert all(q["kind"] != "direct" for q in qs)
    q = one(qs, "talks will resume")
    assert q["text"] == "The talks will resume on Wednesday" and q["speaker"] == "Tobias Renner"
    q = one(quotes_of("According to union leader Priya Castell, the strike fund will last until June."), "strike fund")
    assert q["text"] == "the strike fund will last until June" and q["speaker"] == "Priya Castell"
    text2 = "“The door is open,” according to port spokesman Tobias Renner."
    q = one(quotes_of(text2), "door is open")
    assert q["speaker"] == "Tobias Renner"


def test_not_quotes(quotes_of):
    text = ("The so-called “Blue Corridor” plan was discussed. Officials fear “ISIS” cells in the north. "
            "The film “Harbour Lights” opened on Friday. [adrotate group=”10″]Mayor Ilse Dorn said it's a "
            "good day for Dunmere’s harbour and for the region's ferries.")
    assert direct(quotes_of(text)) == []


def test_apostrophes_are_not_marks_and_unbalanced_marks_do_not_break():
    text = "It's Dunmere’s day. “This opens and never closes. The workers’ union said “yes, we agree” to it."
    segs = [text[s.start:s.end] for s in find_quote_segments(text, pack_for("en").marks)]
    assert segs == ["yes, we agree"]


def test_a_stray_straight_mark_does_not_turn_the_rest_inside_out():
    """One unpaired " early in a paragraph would pair every later mark the wrong way round, making the
    narration between quotes look quoted; a mark with a space before it and a word after it only opens."""
    text = ('The council met after the "harbour levy vote. "We will appeal," Ilse Dorn said. '
            '"The levy is unlawful," she added. Jonas Feld disagreed.')
    segs = [text[s.start:s.end] for s in find_quote_segments(text, pack_for("en").marks)]
    assert segs == ["We will appeal,", "The levy is unlawful,"]


def test_a_curly_quote_closed_by_a_straight_mark_and_the_reverse():
    text = ('“The ferries run late," Ilse Dorn said. "The harbour is full.” Jonas Feld said "it is not" today.')
    segs = [text[s.start:s.end] for s in find_quote_segments(text, pack_for("en").marks)]
    assert segs == ["The ferries run late,", "The harbour is full.", "it is not"]


def test_markup_attributes_and_titles_are_not_quotes(quotes_of):
    text = ('<tweet tweet-author="@dunmereledger" tweet-date="March 3, 2026">Ferry fares rise again</tweet> '
            'Ilse Dorn said on Harbour TV’s “Morning Tide.” She has played in “The Salt Road,” “Low Water,” and '
            '“Gull Island,” Jonas Feld said.')
    assert direct(quotes_of(text)) == []
    # a title before what it names, a programme after "on", sign texts, a film in two-apostrophe marks
    text = ('“Harbour Lights” star Marta Oksel opened the festival. Ilse Dorn said on “Dunmere Tonight” that the '
            'bridge would open in May. Protesters waved “Save the Ferry Now” signs outside the hall. As in the '
            "film ''Harbour of Spies,'' the exchange took place on a bridge.")
    assert direct(quotes_of(text)) == [], [q["text"] for q in direct(quotes_of(text))]
    # an excerpt after its headline and byline, as newsletters quote other outlets
    text = ("FARES—“Ferry fares rise again,” by the Ledger's Ana Ruiz: “The harbour board raised fares for the "
            "third time this year on Tuesday, citing the cost of fuel.”")
    assert direct(quotes_of(text)) == [], [q["text"] for q in direct(quotes_of(text))]
    # while a quote in title case with its speaker stays
    assert one(direct(quotes_of("“We Will Not Move,” Jonas Feld said on Monday.")), "Not Move")["speaker"] == "Jonas Feld"


def test_quote_speaker_is_a_mention_entity(quotes_of, nlp, aliases):
    text = "Dmitri Okhotin arrived on Thursday. “We will not be rushed,” Okhotin said."
    ms, qs = read_article(nlp, aliases, text)
    q = one(qs, "rushed")
    assert q["speaker"] == "Dmitri Okhotin"
    assert q["speaker_entity_id"] in {m["entity_id"] for m in ms}


def test_a_new_statement_after_a_finished_quote_is_not_its_frame(quotes_of):
    text = ("“It is a very sad day for the port,” Ilse Dorn told reporters on the quay. “This is what happens when "
            "nobody listens.” Jonas Feld said he would resign if the talks failed.")
    qs = quotes_of(text)
    assert one(direct(qs), "nobody listens")["speaker"] == "Ilse Dorn"
    assert one(qs, "he would resign")["speaker"] == "Jonas Feld"  # his own indirect statement


def test_findings_intentions_and_topics_are_indirect_with_their_source(quotes_of):
    text = ("A survey by the Dunmere Institute found that most ferry passengers would pay more for a winter service. "
            "Mayor Ilse Dorn declined to comment on the findings of the survey. "
            "Jonas Feld talked about how the strike at the harbour had started in March.")
    qs = quotes_of(text)
    found = one(qs, "most ferry passengers")
    assert found["kind"] == "indirect" and found["cue"] == "find" and "Institute" in found["speaker_surface"]
    declined = one(qs, "comment on the findings")
    assert declined["kind"] == "indirect" and declined["speaker"] == "Ilse Dorn" and declined["cue"] == "decline"
    topic = one(qs, "how the strike")
    assert topic["speaker"] == "Jonas Feld" and topic["cue"] == "talk"
    assert found["speaker"] == "Dunmere Institute"  # the one organisation the source phrase names


def test_the_passive_subject_of_a_verb_of_saying_is_not_the_speaker(quotes_of):
    """"The board is expected to approve ...": said of the board by someone unnamed, not by the board."""
    qs = quotes_of("The harbour board is expected to approve the winter timetable on Tuesday. "
                   "Jonas Feld said the ferries would run.")
    assert qs and all(q["speaker_surface"] != "The harbour board" for q in qs), qs
    assert one(qs, "ferries would run")["speaker"] == "Jonas Feld"


def test_reported_clause_cut_before_a_quotation_the_parse_runs_into(quotes_of):
    text = ("Jonas Feld said he saw no reason to alter the timetable, telling the Ledger that “we run the ferries, "
            "we keep them safe” and that passengers agreed.")
    q = one(quotes_of(text), "no reason")
    assert q["kind"] == "indirect" and q["text"].startswith("he saw no reason to alter the timetable")
    assert q["speaker"] == "Jonas Feld"


def test_a_short_reported_clause(quotes_of):
    q = one(quotes_of("In Dunmere, half of the ferry passengers said they were angry."), "angry")
    assert q["kind"] == "indirect" and q["text"] == "they were angry"
    assert q["speaker_surface"] == "half of the ferry passengers"


def test_a_second_speech_verb_ends_the_reported_clause(quotes_of):
    text = ("Mayor Ilse Dorn said the decision was made by the harbour board and said, “Who else would you trust "
            "with the ferries?”")
    qs = quotes_of(text)
    said = one(qs, "decision was made")
    assert said["kind"] == "indirect" and said["text"] == "the decision was made by the harbour board"
    asked = one(direct(qs), "Who else")
    assert asked["speaker"] == "Ilse Dorn" and said["speaker"] == "Ilse Dorn"


def test_a_participle_of_speech_starts_the_next_attribution(quotes_of):
    qs = quotes_of("Jonas Feld insisted that the port has “never been safer,” claiming that accidents fell by half "
                   "last year.")
    first, second = one(qs, "never been safer"), one(qs, "accidents fell")
    assert "claiming" not in first["text"] and first["cue"] == "insist"
    assert second["text"] == "that accidents fell by half last year" and second["cue"] == "claim"
    assert first["speaker"] == second["speaker"] == "Jonas Feld"


def test_what_someone_says_of_someone_ends_before_the_next_attribution(quotes_of):
    qs = quotes_of("Mayor Ilse Dorn mocked Jonas Feld for naming himself the “king of ferries,” noting that his boats "
                   "ran late all winter.")
    mocked = one(qs, "king of ferries")
    assert mocked["cue"] == "mock" and "noting" not in mocked["text"]
    assert one(qs, "boats ran late")["text"] == "that his boats ran late all winter"


def test_as_someone_said(quotes_of):
    q = one(quotes_of("As Jonas Feld has pointed out, the ferry is the island's only “lifeline” in the winter months."),
            "lifeline")
    assert q["kind"] == "indirect" and q["text"] == "the ferry is the island's only “lifeline” in the winter months"
    assert q["speaker"] == "Jonas Feld"
    q = one(quotes_of("The strike at the harbour will end by Friday, as Jonas Feld predicted."), "strike")
    assert q["text"] == "The strike at the harbour will end by Friday" and q["speaker"] == "Jonas Feld"
    # an "as" clause of time is no frame
    assert not [q for q in quotes_of("As the ferry left the harbour, Jonas Feld waved to the crew.")
                if "ferry left" in q["text"] or "waved" in q["text"]]


def test_a_relative_clause_with_its_own_speaker_is_not_part_of_the_report(quotes_of):
    qs = quotes_of("Jonas Feld said the port would build a new quay next year, which the mayor called “a waste of "
                   "money” on Tuesday.")
    assert one(qs, "new quay")["text"] == "the port would build a new quay next year"
    assert one(qs, "waste of money")["speaker_surface"] == "the mayor"


def test_in_someones_words(quotes_of):
    q = one(quotes_of("Jonas Feld runs the harbour. He will keep the ferries running because, in his words, “the "
                      "island cannot live without them.”"), "cannot live")
    assert q["kind"] == "direct" and q["speaker"] == "Jonas Feld" and q["attribution"] == "pronoun"
    q = one(quotes_of("The board kept the timetable. In the words of Jonas Feld, “nobody wanted a winter without "
                      "ferries.”"), "nobody wanted")
    assert q["kind"] == "direct" and q["speaker"] == "Jonas Feld"


def test_a_quote_after_a_paragraph_that_frames_it(quotes_of):
    text = ("The council met on Tuesday. Jonas Feld continued his attack on the council.\n\n"
            "“Eight years ago this harbour was full of boats, and now look at it.”")
    assert one(quotes_of(text), "Eight years ago")["speaker"] == "Jonas Feld"


def test_a_line_that_opens_with_a_name_and_a_colon(quotes_of):
    text = ("Jonas Feld: Harbour strike could last into spring\n\n"
            "The dockworkers' union met on Monday.\n\n"
            "Update: The ferry timetable changed on Monday after the vote.\n\n"
            "Host: What happens next at the harbour?\n\n"
            "Jonas Feld: Nobody knows yet, and the board will not say until Friday.")
    qs = quotes_of(text)
    assert [(q["text"], q["speaker"], q["kind"]) for q in qs] == [
        ("Harbour strike could last into spring", "Jonas Feld", "indirect"),
        ("Nobody knows yet, and the board will not say until Friday", "Jonas Feld", "indirect")]


def test_a_lone_word_is_no_statement(nlp):
    from tasks.quotes.extract import is_fragment

    text = "Mayor Ilse Dorn discussed taxes in Varnhelm and said the harbour would reopen. Feld denied it."
    doc = nlp(text)

    def span(words: str) -> tuple[int, int]:
        start = text.index(words)
        return start, start + len(words)

    assert is_fragment(doc, *span("taxes"))  # the topic of "discussed"
    assert is_fragment(doc, *span("in"))  # a stray tag
    assert not is_fragment(doc, *span("the harbour would reopen"))
    assert not is_fragment(doc, *span("denied"))  # a verb says something
    assert not is_fragment(doc, *span("taxes in Varnhelm"))  # two words and more: the tagger's call


def test_a_tagged_lone_word_becomes_no_row(nlp):
    from newsloom.lang import pack_for as pack
    from tasks.quotes.extract import merge_found
    from tasks.quotes.model import Attribution
    from tasks.quotes.speakers import Context

    text = "Mayor Ilse Dorn discussed taxes on Monday. She said the harbour would reopen in May."
    doc = nlp(text)
    at = {w: (text.index(w), text.index(w) + len(w))
          for w in ("taxes", "the harbour would reopen in May", "Mayor Ilse Dorn", "discussed", "said")}
    atts = [Attribution(*at["taxes"], 0.9, source=at["Mayor Ilse Dorn"], cue=at["discussed"], cue_lemma="discuss"),
            Attribution(*at["the harbour would reopen in May"], 0.9, cue=at["said"], cue_lemma="say")]
    found = merge_found(Context(doc, text, [], pack("en"), quote_spans=[]), [], atts)
    assert [text[f.start:f.end] for f in found] == ["the harbour would reopen in May"]


def _merged(nlp, text: str, direct_spans: list[str], atts: list[dict], persons: tuple[str, ...] = ()):
    """merge_found over ``text``: quotations (their inside, with no speaker yet) and tagged attributions
    given by their words ({"content": ..., "source": ..., "cue": ..., "lemma": ...})."""
    from newsloom.lang import pack_for as pack
    from tasks.quotes.extract import merge_found
    from tasks.quotes.model import ENCODER_METHOD, Attribution
    from tasks.quotes.speakers import Context, Found

    def at(words: str) -> tuple[int, int]:
        return text.index(words), text.index(words) + len(words)

    doc = nlp(text)
    mentions = [{"start_char": at(p)[0], "end_char": at(p)[1], "label": "PERSON", "name": p, "entity_id": p.lower()}
                for p in persons]
    direct = [Found(*at(w), "direct", None, at(w)[0], "quotation_marks") for w in direct_spans]
    tagged = [Attribution(*at(a["content"]), 0.95, source=at(a["source"]) if a.get("source") else None,
                          cue=at(a["cue"]), cue_lemma=a["lemma"], method=ENCODER_METHOD,
                          source_head=doc.char_span(*at(a["source"])).root if a.get("source") else None)
              for a in atts]
    ctx = Context(doc, text, mentions, pack("en"), quote_spans=[at(w) for w in direct_spans])
    return merge_found(ctx, direct, tagged)


def test_a_tagged_span_reaching_outside_a_quotation_is_one_mixed_quote(nlp):
    text = "Mayor Ilse Dorn said that “the harbour will reopen in May” after the storm."
    found = _merged(nlp, text, ["the harbour will reopen in May"],
                    [{"content": "that “the harbour will reopen in May", "source": "Mayor Ilse Dorn", "cue": "said",
                      "lemma": "say"}], persons=("Ilse Dorn",))
    # the row holds both marks of the quotation it takes in
    assert [(text[f.start:f.end], f.kind) for f in found] == [("that “the harbour will reopen in May”", "indirect")]
    assert found[0].speaker.name == "Ilse Dorn"


def test_a_source_that_cuts_a_name_takes_the_whole_name(nlp):
    """The tagger can read "said Ines" as the cue and "Calloway, ..." as the source."""
    text = "“Every hour at anchor costs money,” said Ines Calloway, operations director at Meridian Shipping."
    found = _merged(nlp, text, ["Every hour at anchor costs money,"],
                    [{"content": "Every hour at anchor costs money", "source": "Calloway, operations director",
                      "cue": "said Ines", "lemma": "say"}], persons=("Ines Calloway",))
    (quote,) = found
    assert quote.speaker.name == "Ines Calloway"
    assert text[quote.speaker.surface_start:quote.speaker.surface_end].startswith("Ines Calloway")


def test_a_tagged_span_holds_both_marks_of_a_quotation_it_takes_in(nlp):
    text = ("Ilse Dorn offered “a full apology.” to the ferry crews on Friday, and Tomas Ek said the board had "
            "“failed the harbour, and failed it twice” in the spring.")
    found = _merged(nlp, text, ["a full apology.", "failed the harbour, and failed it twice"],
                    [{"content": "a full apology.” to the ferry crews", "source": "Ilse Dorn", "cue": "offered",
                      "lemma": "offer"},
                     {"content": "the board had “failed the harbour", "source": "Tomas Ek", "cue": "said",
                      "lemma": "say"}], persons=("Ilse Dorn", "Tomas Ek"))
    rows = [text[f.start:f.end] for f in found]
    # the opening mark before the span's first word joins it; a quotation that runs on past the span with
    # more words is left open, since the span does not say them
    assert rows == ["“a full apology.” to the ferry crews", "the board had “failed the harbour"]


def test_the_tagger_names_the_speaker_of_a_quotation_it_reads_inside(nlp):
    text = "Ilse Dorn, the mayor, told reporters on Friday: “The harbour will reopen in May.” Then she left."
    found = _merged(nlp, text, ["The harbour will reopen in May."],
                    [{"content": "The harbour will reopen in May", "source": "Ilse Dorn", "cue": "told",
                      "lemma": "tell"}], persons=("Ilse Dorn",))
    (quote,) = found
    assert quote.method == "quotation_marks" and text[quote.start:quote.end] == "The harbour will reopen in May."
    assert quote.speaker is not None and quote.speaker.name == "Ilse Dorn"


def test_the_subject_of_a_verb_of_appearance_is_no_speaker(nlp):
    """'Tomas Ek seemed to accept that ...': the writer's reading of Tomas Ek, not his words; the subject of
    a verb of saying stays the speaker."""
    from tasks.quotes.extract import model_speaker
    from tasks.quotes.model import Attribution
    from tasks.quotes.speakers import Context

    text = "Tomas Ek seemed to accept that the fares would rise. Jonas Feld said the pier would reopen."
    doc = nlp(text)
    at = {w: (text.index(w), text.index(w) + len(w)) for w in ("seemed", "said", "to accept that the fares would rise",
                                                                "the pier would reopen")}
    ctx = Context(doc, text, [], pack_for("en"), quote_spans=[])
    seemed = Attribution(*at["to accept that the fares would rise"], 0.9, cue=at["seemed"], cue_lemma="seem")
    said = Attribution(*at["the pier would reopen"], 0.9, cue=at["said"], cue_lemma="say")
    assert model_speaker(ctx, seemed) is None
    assert text[model_speaker(ctx, said).surface_start:model_speaker(ctx, said).surface_end] == "Jonas Feld"

"""vote-labels: the corpus-wide label vote, weighted by each mention's label_score."""
from hypothesis import given
from hypothesis import strategies as st

from newsloom import schemas
from tasks.extract.entities import entity_id_for
from tasks.labels import corpus_labels, labels_table, relabel, relabel_part


def mention(article, name, label, score=1.0):
    return {"article_id": article, "name": name, "label": label, "label_score": score,
            "entity_id": entity_id_for(name, label), "surface": name, "start_char": 0, "end_char": len(name),
            "sentence": 0, "run_id": "r1"}


def test_a_name_the_corpus_calls_a_person_becomes_one_everywhere():
    ms = [mention("a1", "Halvard Brekke", "ORG", 0.6), mention("a2", "Halvard Brekke", "PERSON"),
          mention("a3", "Halvard Brekke", "PERSON", 0.8)]
    voted = corpus_labels(ms)
    assert voted == {"halvard brekke": "PERSON"}
    quotes = [{"speaker_entity_id": ms[0]["entity_id"], "speaker": "Halvard Brekke"}]
    assert relabel(ms, quotes, voted) == 1
    assert {m["label"] for m in ms} == {"PERSON"}
    person_id = entity_id_for("Halvard Brekke", "PERSON")
    assert {m["entity_id"] for m in ms} == {person_id}  # one entity now, not a person and an organisation
    assert quotes[0]["speaker_entity_id"] == person_id


def test_weights_and_articles_decide_not_the_count_of_rows():
    # two unsure PERSON mentions in one article do not outvote one sure ORG mention
    ms = [mention("a1", "Tarrow Mills", "ORG", 1.0), mention("a2", "Tarrow Mills", "PERSON", 0.4),
          mention("a2", "Tarrow Mills", "PERSON", 0.4)]
    assert corpus_labels(ms) == {}
    # the winner must come from two articles at least
    ms = [mention("a1", "Tarrow Mills", "ORG", 0.5), mention("a2", "Tarrow Mills", "GPE", 1.0),
          mention("a2", "Tarrow Mills", "GPE", 1.0)]
    assert corpus_labels(ms) == {}
    ms.append(mention("a3", "Tarrow Mills", "GPE", 1.0))
    assert corpus_labels(ms) == {"tarrow mills": "GPE"}
    assert relabel(ms, [], corpus_labels(ms)) == 1
    assert ms[0]["entity_id"] == entity_id_for("Tarrow Mills", "GPE")  # non-person ids do not depend on the label


def test_other_labels_and_earlier_runs():
    ms = [mention("a1", "Valdora", "NORP"), mention("a2", "Valdora", "GPE"), mention("a3", "Valdora", "GPE")]
    assert corpus_labels(ms) == {}  # a nationality is never outvoted
    earlier = [{"name": "Meridian", "labels": ["ORG", "PERSON"], "label_counts": [9, 1]}]
    ms = [mention("a1", "Meridian", "PERSON", 0.7)]
    assert corpus_labels(ms, earlier) == {"meridian": "ORG"}


def test_the_part_phase_rewrites_tables_and_counts():
    ms = [mention("a1", "Halvard Brekke", "ORG", 0.6), mention("a2", "Halvard Brekke", "PERSON"),
          mention("a3", "Halvard Brekke", "PERSON")]
    table = schemas.from_rows(ms, schemas.MENTIONS)
    labels = labels_table(table, schemas.ENTITIES.empty_table())
    assert labels.to_pylist() == [{"key": "halvard brekke", "label": "PERSON"}]
    out, quotes, n = relabel_part(table, schemas.QUOTES.empty_table(), labels)
    assert n == 1 and set(out.column("label").to_pylist()) == {"PERSON"}
    assert out.schema.equals(schemas.MENTIONS, check_metadata=False)


@given(st.lists(st.tuples(st.sampled_from(["a1", "a2", "a3"]), st.sampled_from(["Brekke", "Tarrow", "Valdora"]),
                          st.sampled_from(["PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT"]),
                          st.floats(0, 1)), max_size=30))
def test_the_vote_only_moves_voted_labels_and_counts_what_it_moves(rows):
    ms = [mention(*r) for r in rows]
    before = [m["label"] for m in ms]
    n = relabel(ms, [], corpus_labels(ms))
    after = [m["label"] for m in ms]
    assert n == sum(a != b for a, b in zip(before, after))
    for a, b in zip(before, after):
        if a != b:
            assert a in ("PERSON", "ORG", "GPE", "LOC") and b in ("PERSON", "ORG", "GPE", "LOC")
    assert relabel(ms, [], corpus_labels(ms)) == 0  # settled: a second vote moves nothing

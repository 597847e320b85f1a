"""resolve-identity: surnames and the label vote decided over the whole corpus, whatever the order of runs."""
import shutil

import pandas as pd
import pyarrow as pa
import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st

from newsloom import schemas
from tasks.identity import apply_identity, identity_table, resolve_identities, stale_parts
from tasks.identity.corpus import EVIDENCE_COLUMNS, Name, decide
from tasks.identity.keys import entity_id_for


def mention(article, name, label, score=1.0, start=0, title=None, gender=None):
    eid = entity_id_for(name, label)
    return {"article_id": article, "name": name, "label": label, "label_score": score, "entity_id": eid,
            "surface": name, "start_char": start, "end_char": start + len(name), "sentence": 0, "run_id": "r1",
            "article_entity_id": eid, "article_name": name, "article_label": label, "title": title,
            "title_gender": gender}


def evidence(rows):
    return schemas.from_rows(rows, schemas.MENTIONS).select(list(EVIDENCE_COLUMNS))


def decided(rows, name, label, cue=None):
    return decide(evidence(rows))[Name(entity_id_for(name, label), name, label, cue)]


def test_a_name_the_corpus_calls_a_person_becomes_one_everywhere():
    ms = [mention("a1", "Halvard Brekke", "ORG", 0.6), mention("a2", "Halvard Brekke", "PERSON"),
          mention("a3", "Halvard Brekke", "PERSON", 0.8)]
    person_id = entity_id_for("Halvard Brekke", "PERSON")
    assert decided(ms, "Halvard Brekke", "ORG") == Name(person_id, "Halvard Brekke", "PERSON")
    quotes = schemas.from_rows([{"quote_id": "q", "article_id": "a1", "text": "x", "start_char": 0, "end_char": 1,
                                 "kind": "direct", "attribution": "explicit", "confidence": 1.0, "run_id": "r1",
                                 "speaker": "Halvard Brekke", "speaker_entity_id": ms[0]["entity_id"],
                                 "speaker_article_entity_id": ms[0]["entity_id"]}], schemas.QUOTES)
    out, q = resolve_identities(schemas.from_rows(ms, schemas.MENTIONS), quotes)
    assert set(out.column("label").to_pylist()) == {"PERSON"}
    assert set(out.column("entity_id").to_pylist()) == {person_id}  # one entity, not a person and an organisation
    assert q.column("speaker_entity_id").to_pylist() == [person_id]  # the quote follows its speaker
    assert out.column("article_label").to_pylist() == ["ORG", "PERSON", "PERSON"]  # what the articles said stays


def test_weights_and_articles_decide_not_the_count_of_rows():
    # two unsure PERSON mentions in one article do not outvote one sure ORG mention
    ms = [mention("a1", "Tarrow Mills", "ORG", 1.0), mention("a2", "Tarrow Mills", "PERSON", 0.4),
          mention("a2", "Tarrow Mills", "PERSON", 0.4)]
    assert decided(ms, "Tarrow Mills", "PERSON").label == "PERSON"
    # the winner must come from two articles at least
    ms = [mention("a1", "Tarrow Mills", "ORG", 0.5), mention("a2", "Tarrow Mills", "GPE", 1.0),
          mention("a2", "Tarrow Mills", "GPE", 1.0)]
    assert decided(ms, "Tarrow Mills", "ORG").label == "ORG"
    ms.append(mention("a3", "Tarrow Mills", "GPE", 1.0))
    assert decided(ms, "Tarrow Mills", "ORG") == Name(entity_id_for("Tarrow Mills", "GPE"), "Tarrow Mills", "GPE")


def test_a_nationality_is_never_outvoted():
    ms = [mention("a1", "Valdora", "NORP"), mention("a2", "Valdora", "GPE"), mention("a3", "Valdora", "GPE")]
    assert decided(ms, "Valdora", "NORP").label == "NORP"


def test_a_surname_alone_joins_the_one_known_person_and_votes_with_them():
    ms = [mention("a1", "Bashar al-Assad", "PERSON"), mention("a2", "Assad", "PERSON"),
          mention("a3", "Anna Berg", "PERSON"), mention("a4", "Olof Berg", "PERSON"), mention("a5", "Berg", "PERSON")]
    assert decided(ms, "Assad", "PERSON") == Name(entity_id_for("Bashar al-Assad", "PERSON"), "Bashar al-Assad", "PERSON")
    assert decided(ms, "Berg", "PERSON").name == "Berg"  # two Bergs: it stays on its own


def test_a_surname_joins_the_bearer_the_corpus_clearly_means():
    """Nine articles name Marta Oksel in full and one names Piet Oksel: "Oksel" alone is Marta Oksel.  Two
    bearers named as often leave it alone; so does a word the corpus uses as a given name as often."""
    ms = [mention(f"m{i}", "Marta Oksel", "PERSON") for i in range(9)] + [mention("p1", "Piet Oksel", "PERSON"),
                                                                         mention("x1", "Oksel", "PERSON")]
    assert decided(ms, "Oksel", "PERSON").name == "Marta Oksel"
    ms += [mention("p2", "Piet Oksel", "PERSON")]  # Marta now in 9 of 11 articles: under DOMINANT_SHARE
    assert decided(ms, "Oksel", "PERSON").name == "Oksel"
    ms = [mention(f"a{i}", "Anders Halvard", "PERSON") for i in range(3)] + [
        mention(f"h{i}", f"Halvard {s}", "PERSON") for i, s in enumerate(["Brekke", "Moen", "Lund"])] + [
        mention("x1", "Halvard", "PERSON")]
    assert decided(ms, "Halvard", "PERSON").name == "Halvard"  # as much a given name as Anders Halvard's surname


def test_the_title_before_a_surname_narrows_the_bearers_it_may_join():
    """Corwin Tallis is titled "Mr." and named in most articles; Brenna Tallis is titled "Mrs." and "Senator".
    A bare "Tallis" joins Corwin by the surname rule; "Mrs. Tallis" cannot be him; "Senator Tallis" is the
    Tallis the corpus calls Senator; "Mr." and "Mrs." in one article's lone "Tallis" rule out everyone."""
    ms = [mention(f"c{i}", "Corwin Tallis", "PERSON", title="Mr.", gender="male") for i in range(9)] + [
        mention("b1", "Brenna Tallis", "PERSON", title="Mrs.", gender="female"),
        mention("b1", "Brenna Tallis", "PERSON", title="Senator"),
        mention("x1", "Tallis", "PERSON"), mention("x2", "Tallis", "PERSON", title="Mrs.", gender="female"),
        mention("x3", "Tallis", "PERSON", title="Senator"),
        mention("x4", "Tallis", "PERSON", title="Mr.", gender="male"),
        mention("x4", "Tallis", "PERSON", title="Mrs.", gender="female")]
    assert decided(ms, "Tallis", "PERSON").name == "Corwin Tallis"
    assert decided(ms, "Tallis", "PERSON", "female|mrs").name == "Brenna Tallis"
    assert decided(ms, "Tallis", "PERSON", "senator").name == "Brenna Tallis"
    assert decided(ms, "Tallis", "PERSON", "female|male|mr|mrs").name == "Tallis"
    # a title's words meet the longer title: "Secretary Tallis" is the "Secretary of State" of the corpus
    more = ms + [mention("b2", "Brenna Tallis", "PERSON", title="Secretary of State"),
                 mention("x5", "Tallis", "PERSON", title="Secretary")]
    assert decided(more, "Tallis", "PERSON", "secretary").name == "Brenna Tallis"
    out, _ = resolve_identities(schemas.from_rows(ms, schemas.MENTIONS), schemas.QUOTES.empty_table())
    by_article = dict(zip(out.column("article_id").to_pylist(), out.column("name").to_pylist()))
    assert [by_article[a] for a in ("x1", "x2", "x3", "x4")] == ["Corwin Tallis", "Brenna Tallis", "Brenna Tallis",
                                                                 "Tallis"]
    # a gender the corpus never gives a bearer rules nobody out: a "Mr." before the bare surname of a bearer
    # never titled still joins
    ms = [mention(f"c{i}", "Corwin Tallis", "PERSON") for i in range(3)] + [
        mention("x1", "Tallis", "PERSON", title="Mr.", gender="male")]
    assert decided(ms, "Tallis", "PERSON", "male|mr").name == "Corwin Tallis"


def test_a_person_named_by_particles_alone_is_no_bearer_and_breaks_nothing():
    """A PERSON span of name particles only ("De La", a fragment the model cut) is neither a full name nor a
    surname: found on a real page, it once crashed the stage."""
    ms = [mention("a1", "De La", "PERSON"), mention("a2", "Marta de la Vega", "PERSON"), mention("a3", "Vega", "PERSON")]
    assert decided(ms, "De La", "PERSON").name == "De La"
    assert decided(ms, "Vega", "PERSON").name == "Marta de la Vega"


def test_the_canonical_spelling_is_the_most_frequent_then_the_first():
    ms = [mention("a1", "Sergei Okhotin", "PERSON"), mention("a2", "Sergey Okhotin", "PERSON"),
          mention("a3", "Sergey Okhotin", "PERSON"), mention("a4", "Okhotin", "PERSON")]
    assert decided(ms, "Okhotin", "PERSON").name == "Sergey Okhotin"
    assert decided(ms[:2] + ms[3:], "Okhotin", "PERSON").name == "Sergei Okhotin"


def test_committed_parts_that_the_decisions_change_are_found_stale():
    early = [mention("a2", "Dorn", "PERSON")]
    committed = schemas.from_rows(early, schemas.MENTIONS).append_column("_part", pa.array(["part-r0-00000.parquet"]))
    identity = identity_table(evidence(early + [mention("a1", "Ilse Dorn", "PERSON")]))
    assert stale_parts(committed, identity) == ["part-r0-00000.parquet"]
    revised, _ = apply_identity(schemas.from_rows(early, schemas.MENTIONS), schemas.QUOTES.empty_table(), identity)
    assert revised.column("name").to_pylist() == ["Ilse Dorn"]
    again = revised.append_column("_part", pa.array(["part-r0-00000.parquet"]))
    assert stale_parts(again, identity) == []  # settled


def test_rows_written_before_schema_6_are_read_with_their_final_values_as_the_articles():
    legacy = [{k: v for k, v in mention("a2", "Dorn", "PERSON").items() if not k.startswith("article_")}]
    legacy[0]["article_id"] = "a2"
    out, _ = resolve_identities(schemas.from_rows(legacy + [mention("a1", "Ilse Dorn", "PERSON")], schemas.MENTIONS),
                                schemas.QUOTES.empty_table())
    assert out.column("name").to_pylist() == ["Ilse Dorn", "Ilse Dorn"]
    assert out.column("article_name").to_pylist()[0] == "Dorn"


corpus = st.lists(st.tuples(st.sampled_from(["a1", "a2", "a3", "a4"]),
                            st.sampled_from(["Ilse Dorn", "Dorn", "Piet Dorn", "Oskar Fell", "Fell", "Brennick"]),
                            st.sampled_from(["PERSON", "ORG", "GPE", "NORP"]), st.floats(0, 1)), min_size=1, max_size=24)


@given(corpus, st.randoms())
def test_decisions_do_not_depend_on_the_order_of_the_evidence(rows, rnd):
    ms = [mention(*r) for r in rows]
    shuffled = list(ms)
    rnd.shuffle(shuffled)
    first, second = decide(evidence(ms)), decide(evidence(shuffled))
    assert first == second
    assert len(first) == len({(m["entity_id"], m["name"], m["label"]) for m in ms})  # one decision per name
    # (no titles here: a surname alone with titles is one name per distinct cue)
    for n, d in first.items():
        if d.name != n.name:  # only a surname alone changes name, to the one full name that ends in it
            assert n.label == "PERSON" and " " not in n.name and d.name.endswith(n.name)
        if d.label != n.label:
            assert {n.label, d.label} <= {"PERSON", "ORG", "GPE", "LOC"}
    # decisions are never fed back as evidence (the article columns never change), so they need not be a
    # fixed point: a surname joins by the articles' labels, and the vote may then move its bearer


# ---- a run on a settled root decides only its scope ------------------------------------------------------------------
# names that meet in every way decide() weighs: bearers sharing a surname, a word that is a given name and a
# surname ("Wren"), a person's name an organisation or place also carries, and titles that narrow bearers
SCOPE_NAMES = [("Ilse Okafor", "PERSON"), ("Okafor", "PERSON"), ("Tomas Okafor", "PERSON"), ("Okafor", "ORG"),
               ("Okafor Freight", "ORG"), ("Wren Dorn", "PERSON"), ("Wren", "PERSON"), ("Dorn", "PERSON"),
               ("Pella Wren", "PERSON"), ("Wren", "GPE"), ("Halden", "GPE"), ("Halden", "PERSON"),
               ("Eda Halden", "PERSON"), ("Eda Halden", "ORG"), ("Halden Council", "ORG"), ("Brekke", "PERSON"),
               ("Halvard Brekke", "PERSON"), ("Halvard Brekke", "ORG"), ("Brekke Council", "ORG"), ("Fell", "LOC")]
SCOPE_TITLES = [(None, None), ("Mrs.", "female"), ("Mr.", "male"), ("Minister", None)]
articles_of_names = st.lists(st.lists(st.tuples(st.integers(0, len(SCOPE_NAMES) - 1), st.sampled_from([0.4, 0.7, 1.0]),
                                                st.integers(0, len(SCOPE_TITLES) - 1)), min_size=1, max_size=5),
                             min_size=2, max_size=14)


@given(articles_of_names, st.integers(1, 4))
def test_a_run_decides_its_scope_as_the_whole_corpus_would_and_moves_nothing_outside_it(articles, n_new):
    from tasks.identity import decisions_of, scoped_identity

    rows = []
    for a, names in enumerate(articles):
        for i, (k, score, t) in enumerate(names):
            name, label = SCOPE_NAMES[k]
            title, gender = SCOPE_TITLES[t] if label == "PERSON" else (None, None)
            rows.append(mention(f"a{a}", name, label, score, start=10 * i, title=title, gender=gender))
    split = f"a{max(len(articles) - n_new, 1)}"
    old = [r for r in rows if int(r["article_id"][1:]) < int(split[1:])]
    new = [r for r in rows if r not in old]
    identity, _ = scoped_identity(schemas.from_rows(new, schemas.MENTIONS), schemas.from_rows(old, schemas.MENTIONS))
    scoped, whole, before = decisions_of(identity), decide(evidence(rows)), decide(evidence(old)) if old else {}
    for name, decision in scoped.items():
        assert whole[name] == decision, name
    for name, decision in whole.items():
        if name not in scoped:
            assert before[name] == decision, name  # outside the scope, the run moves nothing
    assert set(decide(evidence(new))) <= set(scoped)  # every name of the run is decided


# ---- the same corpus, three orders of runs -------------------------------------------------------------------------
HALF_A = ("a2-ferries.txt", "a4-court.txt", "a6-vote.txt")  # "Whitfield" alone, and Laura Kessler
HALF_B = ("a1-harbour.txt", "a3-toll.txt", "a5-wall.txt")  # Sarah Whitfield named in full


def _run_in_order(tmp_path, name, batches):
    from flows.pipeline import news_pipeline

    out = tmp_path / name / "out"
    for i, batch in enumerate(batches):
        folder = tmp_path / name / f"in{i}"
        folder.mkdir(parents=True)
        for f in batch:
            shutil.copy(FIXTURES / "identity" / f, folder / f)
        news_pipeline(sources=[str(folder)], out=str(out), workers=1)
    mentions = pd.read_parquet(out / "mentions")
    articles = pd.read_parquet(out / "articles", columns=["article_id", "source"])
    mentions = mentions.merge(articles, on="article_id")
    quotes = pd.read_parquet(out / "quotes").merge(articles, on="article_id")
    return (mentions.set_index(["source", "start_char"]).sort_index(),
            quotes.set_index(["source", "start_char"]).sort_index(), pd.read_parquet(out / "entities.parquet"))


@pytest.mark.slow
def test_one_corpus_gives_the_same_ids_in_one_run_and_in_halves_either_way(tmp_path, prefect_harness):
    whole, whole_q, whole_e = _run_in_order(tmp_path, "one", [HALF_A + HALF_B])
    ab, ab_q, ab_e = _run_in_order(tmp_path, "ab", [HALF_A, HALF_B])
    ba, ba_q, ba_e = _run_in_order(tmp_path, "ba", [HALF_B, HALF_A])
    assert len(whole) >= 15 and whole.index.equals(ab.index) and whole.index.equals(ba.index)
    for other in (ab, ba):
        same = (whole[["entity_id", "label", "name"]] == other[["entity_id", "label", "name"]]).all(axis=1)
        assert same.mean() == 1.0, whole[~same].join(other[~same], rsuffix="_other")
    for other in (ab_q, ba_q):
        assert whole_q.speaker_entity_id.equals(other.speaker_entity_id)
    for other in (ab_e, ba_e):
        assert sorted(zip(whole_e.entity_id, whole_e.n_mentions)) == sorted(zip(other.entity_id, other.n_mentions))
    # the lone "Whitfield" of the first half is Sarah Whitfield once the second half names her, in every order
    dorn = whole[whole.surface == "Whitfield"]
    assert len(dorn) >= 3 and set(dorn.name) == {"Sarah Whitfield"}
    lone = ab[(ab.surface == "Whitfield") & ab.index.get_level_values("source").isin(HALF_A)]
    assert len(lone) >= 3 and set(lone.article_name) == {"Whitfield"}  # what the article alone said is kept
    assert set(lone.name) == {"Sarah Whitfield"}  # and the run that named her revised the committed first half

"""Quote clusters: one statement per cluster, never a chain of unrelated quotes through a shared phrase
(tasks/clusters/).  Fictional statements, each reported by two fictional outlets, go through the real
extract stage (spaCy model, quote tagger) and the production clustering function."""
from __future__ import annotations

import json
import random

import pyarrow as pa
import pytest
from conftest import FIXTURES, read_article
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tasks.clusters as clusters
import tasks.clusters.rule as rule
from newsloom import schemas
from newsloom.lang import pack_for
from tasks.clusters import MAX_POSTINGS, assign_quote_clusters

STATEMENTS = json.loads((FIXTURES / "statements.json").read_text(encoding="utf-8"))
STATEMENT = "We did not win everything we asked for, but no worker at Dunmere will earn less than the cost of living again"
EXCERPT = "no worker at Dunmere will earn less than the cost of living again"
COMMITTED_COLUMNS = [*clusters.QUOTE_COLUMNS, "quote_cluster_id"]


def q(quote_id, text, speaker=None, article=None):
    """A quote row; each quote is its own article unless ``article`` says otherwise."""
    return {"quote_id": quote_id, "text": text, "speaker": speaker, "speaker_surface": speaker,
            "attribution": "explicit" if speaker else "none", "article_id": article or f"art-{quote_id}"}


def cluster_quotes(new, earlier=(), max_postings=MAX_POSTINGS) -> dict[str, str]:
    """The cluster-quotes whole phase (what production runs) on rows: quote_id -> quote_cluster_id."""
    cols = clusters.QUOTE_COLUMNS
    new_t = pa.table({c: pa.array([r[c] for r in new], pa.string()) for c in cols})
    earlier_t = pa.Table.from_pylist(list(earlier), schema=schemas.QUOTES.empty_table().select(COMMITTED_COLUMNS).schema)
    ids = {r["article_id"] for r in [*new, *earlier]}
    articles = pa.table({"article_id": pa.array(sorted(ids), pa.string()), "language": ["en"] * len(ids)})
    got = assign_quote_clusters(new_t, earlier_t, articles, max_postings)
    return dict(zip(got.column("quote_id").to_pylist(), got.column("quote_cluster_id").to_pylist()))


def committed(quote_id, text, cluster, speaker=None, article=None):
    return {**q(quote_id, text, speaker, article), "quote_cluster_id": cluster}


# ---- the rule on small cases ----------------------------------------------------------------------------------------
def test_an_excerpt_joins_the_full_statement_and_another_speakers_excerpt_does_not():
    ids = cluster_quotes([q("a1", STATEMENT, "castell"), q("b2", EXCERPT, "castell"), q("d4", EXCERPT, "renner"),
                          q("e5", "The door is open", "renner")])
    assert ids["a1"] == ids["b2"] == "a1"
    assert ids["d4"] == "d4" and ids["e5"] == "e5"


def test_a_short_excerpt_needs_the_same_speaker_or_the_same_story():
    """EXCERPT has five content words: a short quote.  With no known speaker it joins only where its article
    shares another, long statement with the cluster's (the same story)."""
    other = "The plant will reopen on Monday with the full night shift and the old canteen back in use"
    ids = cluster_quotes([q("a1", STATEMENT, None, "courier"), q("a2", other, None, "courier"),
                          q("c3", EXCERPT, None, "gazette"), q("c4", other, None, "gazette"),
                          q("x5", EXCERPT, None, "herald")])
    assert ids["c4"] == ids["a2"]  # the same story: both carry the long statement about the plant
    assert ids["c3"] == ids["a1"]  # so the short excerpt joins on the story's evidence
    assert ids["x5"] == "x5"  # the same words with no speaker and no story in common stay apart


def test_short_phrases_never_link_two_statements():
    """The chain the old rule formed: two statements and the phrase they share, quoted alone."""
    ids = cluster_quotes([
        q("a", "That being said, the ferry will need a new engine before next winter", "castell"),
        q("b", "That being said, the sea wall is still only a drawing on the planning office wall", "farrow"),
        q("c", "That being said", None), q("d", "That being said", "castell"), q("e", "That being said", "castell")])
    assert len({ids["a"], ids["b"]}) == 2
    assert ids["c"] == "c"  # the phrase has one content word: it joins nothing
    assert ids["d"] != ids["a"] and ids["e"] != ids["a"]


def test_different_speakers_share_a_cluster_only_for_near_identical_words():
    line = "We are reviewing the harbour decision carefully and will respond to the council in due course"
    ids = cluster_quotes([q("a", line, "castell"), q("b", line + ".", "renner"),
                          q("c", "We are reviewing the harbour decision carefully", "dorn")])
    assert ids["b"] == ids["a"]  # the same words: one statement, two speakers (two outlets disagree)
    assert ids["c"] == "c"  # an excerpt under another name is not near-identical: not joined


def test_clusters_of_earlier_runs_keep_their_ids_and_take_new_members():
    earlier = [committed("old-a", STATEMENT, "old1", "castell"), committed("old-b", EXCERPT, "old1", "castell")]
    longer = STATEMENT + ", and the pension fund is safe for another decade"
    ids = cluster_quotes([q("zz", STATEMENT.upper() + "!", "castell"), q("aa", longer, None)], earlier)
    assert ids["zz"] == "old1"
    assert ids["aa"] == "old1"  # a longer version takes over as representative: every member still passes


def test_a_longer_quote_does_not_take_over_a_cluster_whose_members_it_does_not_hold():
    earlier = [committed("old-a", STATEMENT, "old1"), committed("old-b", EXCERPT, "old1", article="art-old-a")]
    unrelated = "We did not win everything we asked for in the talks about the new harbour and the ferry timetable"
    assert cluster_quotes([q("n1", unrelated)], earlier)["n1"] == "n1"


def test_a_line_with_too_few_content_words_founds_its_own_cluster():
    ids = cluster_quotes([q("q0", "No comment."), q("q1", "No comment.", "valen"), q("q2", "No comment.", "valen")])
    assert ids == {"q0": "q0", "q1": "q1", "q2": "q2"}


def test_a_committed_chain_is_put_right_and_only_the_moved_quotes_are_named():
    """A root clustered by the old rule: two statements chained through the phrase they share.  The next run
    keeps the representative in the committed cluster and id, and moves the others; quotes that stay are not
    in ``_clusters``."""
    first = "That being said, the ferry will need a new engine before next winter and a new crew"
    second = "That being said, the sea wall is still only a drawing on the planning office wall"
    earlier = [committed("o1", first, "old1", "castell"), committed("o2", "That being said", "old1"),
               committed("o3", second, "old1", "farrow"), committed("o4", first + ".", "old1", "castell")]
    ids = cluster_quotes([q("n1", second, "farrow")], earlier)
    # o1 and o4 stay in old1, so they are not named; o3 and the new copy of its words share a cluster, led by
    # the one that sorts first (as many content words, the smaller id); the phrase alone joins nothing
    assert ids == {"n1": "n1", "o2": "o2", "o3": "n1"}


def test_no_new_quotes_leaves_the_committed_clusters_alone():
    earlier = [committed("o1", STATEMENT, "old1", "castell"), committed("o2", STATEMENT, "old2")]
    assert cluster_quotes([], earlier) == {}
    assert cluster_quotes([q("n1", "", "castell"), q("n2", "Fine.", None)], earlier) == {"n1": "n1", "n2": "n2"}


def test_many_statements_sharing_common_words_each_find_their_own_cluster_past_the_postings_cap():
    """300 statements differ in three names and share every other word: each common word indexes only its
    first 32 clusters, but a later copy probes with its rarest words, the names, and finds its own."""
    places = [f"Quay{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(300)]
    line = "We will review the decision on the {p} harbour wall with {p}son and the {p}ville council next spring"
    rows = [q(f"a{i:03d}", line.format(p=p), "castell") for i, p in enumerate(places)]
    rows += [q(f"b{i:03d}", line.format(p=p).lower() + "!", None) for i, p in enumerate(places)]
    ids = cluster_quotes(rows, max_postings=32)
    assert all(ids[f"b{i:03d}"] == ids[f"a{i:03d}"] for i in range(300))
    assert len(set(ids.values())) == 300


# ---- properties -----------------------------------------------------------------------------------------------------
VOCABULARY = ("the harbour wall will reopen on monday and every worker gets a raise of four percent over two years "
              "said mayor dorn ferry council vote").split()
random_quotes = st.lists(st.tuples(st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=18),
                                   st.sampled_from([None, "dorn", "fell"]), st.integers(0, 5)), max_size=40)


def content_words(text: str) -> set[str]:
    return set(pack_for("en").content_words(text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_quotes, st.randoms(use_true_random=False))
def test_every_member_shares_most_of_its_words_with_the_representative_in_any_order(rows, rng):
    """In every cluster, every member shares at least 60% of its content words with the representative (the
    member with the most content words); ids are members' quote_ids; the input order changes nothing; and a
    later run that checks these clusters again moves no quote."""
    quotes = [q(f"q{i:03d}", " ".join(words), spk, f"art{art}") for i, (words, spk, art) in enumerate(rows)]
    ids = cluster_quotes(quotes)
    assert cluster_quotes([], [{**r, "quote_cluster_id": ids[r["quote_id"]]} for r in quotes]) == {}
    shuffled = quotes[:]
    rng.shuffle(shuffled)
    assert cluster_quotes(shuffled) == ids
    members: dict[str, list[dict]] = {}
    for r in quotes:
        members.setdefault(ids[r["quote_id"]], []).append(r)
    for cid, group in members.items():
        assert cid in {r["quote_id"] for r in group}
        rep = min(group, key=lambda r: (-len(content_words(r["text"])), r["quote_id"]))
        for r in group:
            words = content_words(r["text"])
            assert len(words & content_words(rep["text"])) >= 0.6 * len(words)


def literal_clusters(rows, earlier=()) -> dict[str, str]:
    """The rule applied literally: every cluster is a candidate for every quote, best overlap first."""
    class EveryCluster(rule.Clusterer):
        def candidates(self, s):
            scored = [(-len(s.words & c.rep.words) / max(s.n, c.rep.n, 1), i) for i, c in enumerate(self.clusters)]
            return [i for _, i in sorted(scored)]

    real, rule.Clusterer = rule.Clusterer, EveryCluster
    try:
        return cluster_quotes(rows, earlier)
    finally:
        rule.Clusterer = real


def random_quotes_of(rng, prefix: str, n: int, base: list[str]) -> list[dict]:
    rows = []
    for i in range(n):
        words = rng.choice(base).split()
        if rng.random() < 0.5 and len(words) > 3:  # an excerpt, or a light edit
            words = words[rng.randint(0, 2):len(words) - rng.randint(0, 2)] or words
            if rng.random() < 0.3:
                words[rng.randrange(len(words))] = rng.choice(VOCABULARY)
        rows.append(q(f"{prefix}{i:04d}", " ".join(words), rng.choice(["castell", "renner", "feld", None]),
                      f"art{rng.randrange(150)}"))
    return rows


@pytest.mark.parametrize("max_postings", [None, 128])
def test_indexed_clustering_equals_the_literal_rule(max_postings):
    """Prefix filtering finds every cluster the rule accepts: on 600 quotes drawn from a small vocabulary
    (near-copies, excerpts, short quotes, three speakers and unknown ones, shared articles), after 300
    committed ones, the clusters are the ones that comparing every quote with every representative gives."""
    rng = random.Random(5)
    base = [" ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(1, 16))) for _ in range(60)]
    first = random_quotes_of(rng, "c", 300, base)
    earlier = [{**r, "quote_cluster_id": c} for r, c in zip(first, cluster_quotes(first).values())]
    rows = random_quotes_of(rng, "q", 600, base)
    got = cluster_quotes(rows, earlier, max_postings=max_postings)
    assert cluster_quotes([], earlier) == {}  # clusters the rule made: checking them again moves nothing
    assert got == literal_clusters(rows, earlier)
    assert len(set(got.values())) < 450  # the case really has clusters to find
    assert sum(c.startswith("c") for c in got.values()) > 100  # and committed clusters that new quotes join


SYLLABLES = ("ka", "lo", "mi", "ter", "van", "dus", "pel", "ron", "sa", "bri")
WIDE_VOCABULARY = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("n", "st", "rd")]  # 300 made-up words


def test_a_run_on_a_settled_root_loads_only_the_clusters_it_can_touch_and_clusters_as_the_whole_corpus_would():
    """Runs of 20 quotes, one after another, on a root whose clusters this rule made: the scoped run (stored
    content words, only the candidate clusters loaded, as they are) gives every new quote, and every committed
    quote it moves, the cluster that loading and checking every committed cluster gives.  The words are
    drawn unevenly from a wide vocabulary, as a corpus's are, so a run can touch only some clusters.  A run's
    quotes come from its own articles, as in the pipeline (an article is read once)."""
    from tasks.clusters.scope import candidate_clusters, representatives
    from tasks.clusters.statements import Vocabulary, statements_of

    rng = random.Random(11)
    weights = [1 / (i + 1) for i in range(len(WIDE_VOCABULARY))]
    base = [" ".join(rng.choices(WIDE_VOCABULARY, weights, k=rng.randint(2, 16))) for _ in range(400)]
    first = random_quotes_of(rng, "c", 600, base)
    earlier = [{**r, "quote_cluster_id": c} for r, c in zip(first, cluster_quotes(first).values())]
    schema = schemas.QUOTES.empty_table().select(COMMITTED_COLUMNS).schema
    ids = [f"{run}art{i}" for run in ["", *(f"r{k}-" for k in range(8))] for i in range(150)]
    articles = pa.table({"article_id": ids, "language": ["en"] * len(ids)})
    stored = clusters.cluster_run(pa.Table.from_pylist([], schema=schema).select(list(clusters.QUOTE_COLUMNS)),
                                  pa.Table.from_pylist(earlier, schema=schema), articles, None)[1]
    joined, touched = 0, []
    for run in range(8):
        batch = [{**r, "article_id": f"r{run}-art{rng.randrange(10)}"} for r in random_quotes_of(rng, f"r{run}-", 20, base)]
        new_t = pa.Table.from_pylist(batch, schema=schema).select(list(clusters.QUOTE_COLUMNS))
        earlier_t = pa.Table.from_pylist(earlier, schema=schema)
        whole, _ = clusters.cluster_run(new_t, earlier_t, articles, stored)
        scoped, written = clusters.cluster_run(new_t, earlier_t, articles, stored, scoped=True)
        assert scoped.to_pylist() == whole.to_pylist()
        assert written.column("quote_id").to_pylist() == new_t.column("quote_id").to_pylist()  # stored words used
        vocab = Vocabulary(dict.fromkeys(articles.column("article_id").to_pylist(), "en"))
        chosen, _ = candidate_clusters(representatives(earlier_t, stored), vocab, statements_of(vocab, new_t))
        touched.append(len(chosen) / len(set(earlier_t.column("quote_cluster_id").to_pylist())))
        got = dict(zip(scoped.column("quote_id").to_pylist(), scoped.column("quote_cluster_id").to_pylist()))
        joined += sum(not c.startswith(f"r{run}-") for q, c in got.items() if q.startswith(f"r{run}-"))
        earlier = [{**r, "quote_cluster_id": got.get(r["quote_id"], r["quote_cluster_id"])} for r in earlier]
        earlier += [{**r, "quote_cluster_id": got[r["quote_id"]]} for r in batch]
        stored = pa.concat_tables([stored, written])
    assert joined > 60  # the runs' quotes really join committed clusters
    assert max(touched) < 0.5, touched  # and a run loads only some of the clusters


def test_a_cluster_summary_holds_every_speaker_article_and_story_of_its_members():
    """What a new quote joining a committed cluster asks of it (tasks.clusters.scope.summaries_of), built
    from columns, is what the members give one by one: the representative, each known speaker, each
    article, and each article with a long member (a story), once each."""
    from tasks.clusters.scope import representatives, summaries_of
    from tasks.clusters.statements import Vocabulary, stored_statements

    rng = random.Random(3)
    base = [" ".join(rng.choices(WIDE_VOCABULARY, k=rng.randint(2, 16))) for _ in range(80)]
    first = random_quotes_of(rng, "c", 400, base)
    schema = schemas.QUOTES.empty_table().select(COMMITTED_COLUMNS).schema
    earlier = pa.Table.from_pylist([{**r, "quote_cluster_id": c} for r, c in zip(first, cluster_quotes(first).values())],
                                   schema=schema)
    articles = pa.table({"article_id": [f"art{i}" for i in range(150)], "language": ["en"] * 150})
    words = clusters.cluster_run(earlier.slice(0, 0).select(list(clusters.QUOTE_COLUMNS)), earlier, articles, None)[1]
    vocab = Vocabulary(dict.fromkeys(articles.column("article_id").to_pylist(), "en"))
    got = summaries_of(vocab, earlier, words, representatives(earlier, words))
    members: dict[str, list] = {}
    for s, c in zip(stored_statements(vocab, earlier, words), earlier.column("quote_cluster_id").to_pylist()):
        members.setdefault(c, []).append(s)
    assert got.keys() == members.keys()
    for c, ms in members.items():
        summary = got[c]
        assert summary.rep.quote_id == min(ms, key=lambda m: m.rank).quote_id
        assert sorted(summary.speakers) == sorted({m.speaker for m in ms if m.speaker != rule.NO_SPEAKER})
        assert sorted(summary.articles) == sorted({m.article for m in ms})
        assert sorted(summary.long_articles) == sorted({m.article for m in ms if not m.short})
    assert sum(len(x.long_articles) < len(x.articles) for x in got.values()) > 5  # short members do occur
    assert sum(len(x.speakers) > 1 for x in got.values()) > 5


# ---- fictional statements through the real extract stage ----------------------------------------------------------
def quotes_of(nlp, aliases, articles: dict[str, str]) -> list[dict]:
    rows = []
    for article_id, text in articles.items():
        for r in read_article(nlp, aliases, text)[1]:
            rows.append({"quote_id": f"{article_id}:{r['start_char']}", "article_id": article_id,
                         **{c: r[c] for c in ("text", "speaker", "speaker_surface", "attribution")}})
    return rows


def test_fictional_statements_reported_by_two_outlets_land_in_one_cluster(nlp, aliases):
    articles = {f"{s['id']}-{k}": text for s in STATEMENTS["same"] for k, text in enumerate(s["outlets"])}
    rows = quotes_of(nlp, aliases, articles)
    ids = cluster_quotes(rows)
    together = 0
    for s in STATEMENTS["same"]:
        held = [r for r in rows if r["article_id"].startswith(s["id"] + "-") and s["marker"] in r["text"].lower()]
        assert {r["article_id"] for r in held} == {f"{s['id']}-0", f"{s['id']}-1"}, (s["id"], held)
        together += len({ids[r["quote_id"]] for r in held}) == 1
    assert together == len(STATEMENTS["same"]) == 12


def test_different_statements_sharing_a_phrase_never_cluster(nlp, aliases):
    for case in STATEMENTS["different"]:
        rows = quotes_of(nlp, aliases, {"a": case["a"], "b": case["b"], "bridge": case["bridge"]})
        ids = cluster_quotes(rows)
        a = {ids[r["quote_id"]] for r in rows if r["article_id"] == "a"}
        b = {ids[r["quote_id"]] for r in rows if r["article_id"] == "b"}
        assert a and b and not a & b, case["phrase"]

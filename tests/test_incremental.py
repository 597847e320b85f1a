"""Later runs build on earlier ones: cross-run dedup, quote clusters across runs, and part files of the
previous schema version."""
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from conftest import FIXTURES

from newsloom import schemas
from newsloom.fs import write_parquet_atomic
from newsloom.storage import Store
from tasks.clusters import RULE as CLUSTER_RULE

STORY = ("Brennick council voted on Tuesday to close the old ferry terminal by the end of the year, ending more "
         "than a century of crossings to the island of Tarrow. “The terminal has lost money for nine straight "
         "years,” Mayor Ilse Dorn said after the vote. Ferry workers will be offered jobs at the new bridge toll "
         "plaza, the council said in a statement, and islanders who protested the plan for months said they "
         "would take the fight to the regional court.")


def test_an_article_in_a_later_run_points_at_its_original_from_an_earlier_run(tmp_path, prefect_harness):
    from flows.pipeline import news_pipeline

    first, second, out = tmp_path / "monday", tmp_path / "tuesday", tmp_path / "out"
    first.mkdir()
    second.mkdir()
    (first / "herald.txt").write_text("Ferry terminal to close\n\n" + STORY + "\n")
    (second / "courier.txt").write_text("Brennick ferry terminal will close\n\n"
                                        + STORY.replace("Tuesday", "Monday night") + "\n\nShare this:\n")
    news_pipeline(sources=[str(first)], out=str(out))
    summary = news_pipeline(sources=[str(second)], out=str(out))
    a = pd.read_parquet(out / "articles").set_index("source")
    assert summary["n_duplicates"] == 1
    assert a.loc["courier.txt", "dup_of"] == a.loc["herald.txt", "article_id"]
    assert a.loc["courier.txt", "dup_similarity"] >= 0.8
    assert pd.read_parquet(out / "quotes").article_id.unique().tolist() == [a.loc["herald.txt", "article_id"]]


def test_readers_handle_part_files_of_the_previous_schema_version(tmp_path):
    """A quotes part written under schema 0 (before speaker_start, speaker_end and utterance_id) is read
    beside a schema-1 part by the store and by the aggregates; its missing columns read as nulls."""
    from tasks.aggregate import compute_aggregates

    store = Store(tmp_path)
    v0_fields = [f for f in schemas.QUOTES if f.name not in ("speaker_start", "speaker_end", "utterance_id")]
    v0 = pa.schema(v0_fields, metadata={b"newsloom.table": b"quotes", b"newsloom.schema_version": b"0"})
    old = pa.Table.from_pylist([{
        "quote_id": "q-old", "article_id": "a1", "text": "We will rebuild the pier.", "start_char": 1, "end_char": 26,
        "kind": "direct", "speaker": "Ilse Dorn", "speaker_entity_id": "e-dorn", "speaker_surface": "Dorn",
        "cue": "say", "attribution": "explicit", "confidence": 0.9, "run_id": "r0"}], schema=v0)
    write_parquet_atomic(old, tmp_path / "quotes" / "part-r0-extract-00000.parquet")
    new = schemas.from_rows([{**old.to_pylist()[0], "quote_id": "q-new", "speaker_start": 30, "speaker_end": 34,
                              "utterance_id": "u1", "run_id": "r1"}], schemas.QUOTES)
    write_parquet_atomic(new, tmp_path / "quotes" / "part-r1-extract-00000.parquet")
    assert pq.read_schema(tmp_path / "quotes" / "part-r0-extract-00000.parquet").metadata[b"newsloom.schema_version"] == b"0"
    t = store.read_table("quotes").to_pandas().set_index("quote_id")
    assert t.loc["q-new", "speaker_start"] == 30 and pd.isna(t.loc["q-old", "speaker_start"])
    assert pd.isna(t.loc["q-old", "utterance_id"]) and t.loc["q-old", "speaker"] == "Ilse Dorn"
    articles = schemas.from_rows([{"article_id": "a1", "doc_id": "d1", "source": "x.txt", "text": "x", "n_words": 1,
                                   "text_hash": "h", "run_id": "r0"}], schemas.ARTICLES)
    write_parquet_atomic(articles, tmp_path / "articles" / "part-r0-dedup-00000.parquet")
    speakers = compute_aggregates({n: store.committed_dataset(n) for n in schemas.FACT_TABLES})["speakers"].to_pylist()
    assert speakers[0]["entity_id"] == "e-dorn" and speakers[0]["n_quotes"] == 2


def test_a_quote_in_a_later_run_joins_the_statement_of_an_earlier_run_under_its_id(tmp_path, prefect_harness):
    """The same rule across runs: Tuesday's excerpt joins Monday's full statement, whose cluster keeps its id;
    another statement of Tuesday's that shares a phrase with it gets its own cluster."""
    from flows.pipeline import news_pipeline

    wages = next(s for s in json.loads((FIXTURES / "statements.json").read_text(encoding="utf-8"))["same"]
                 if s["id"] == "wages")
    first, second, out = tmp_path / "monday", tmp_path / "tuesday", tmp_path / "out"
    first.mkdir()
    second.mkdir()
    (first / "herald.txt").write_text("Dunmere deal approved\n\n" + wages["outlets"][0] + "\n")
    (second / "courier.txt").write_text("Dunmere strike ends\n\n" + wages["outlets"][1] + " “We did not win the "
                                        "canteen vote, and the night shift still starts at four,” Castell added.\n")
    news_pipeline(sources=[str(first)], out=str(out))
    before = pd.read_parquet(out / "quote_clusters.parquet")
    news_pipeline(sources=[str(second)], out=str(out))
    quotes = pd.read_parquet(out / "quotes")
    clusters = pd.read_parquet(out / "quote_clusters.parquet").set_index("cluster_id")
    statement = quotes[quotes.text.str.contains("cost of living")]
    assert statement.article_id.nunique() == 2 and statement.quote_cluster_id.nunique() == 1
    cid = statement.quote_cluster_id.iloc[0]
    assert cid in set(before.cluster_id)  # Monday's id, kept
    assert clusters.loc[cid, "n_articles"] == 2 and list(clusters.loc[cid, "speakers"]) == ["Tomas Castell"]
    canteen = quotes[quotes.text.str.contains("canteen")]
    assert len(canteen) == 1 and canteen.quote_cluster_id.iloc[0] != cid


def test_a_root_clustered_by_the_old_rule_is_put_right_by_the_next_run(tmp_path, prefect_harness):
    """Committed quotes chained into one cluster through a shared phrase (what the rule before schema 8
    did, on a root whose runs recorded no rule version): the next run checks committed clusters again,
    rewrites the part that holds them, and the aggregate follows."""
    from flows.pipeline import news_pipeline

    statements = json.loads((FIXTURES / "statements.json").read_text(encoding="utf-8"))
    case = next(c for c in statements["different"] if c["phrase"] == "the same thing")
    first, second, out = tmp_path / "monday", tmp_path / "tuesday", tmp_path / "out"
    first.mkdir()
    second.mkdir()
    for name in ("a", "b", "bridge"):
        (first / f"{name}.txt").write_text(f"Story {name}\n\n{case[name]}\n\nThe council meets again on Thursday "
                                           "to discuss the harbour budget and the ferry timetable for spring.\n")
    (second / "later.txt").write_text("Dunmere deal approved\n\n" + statements["same"][1]["outlets"][0] + "\n")
    news_pipeline(sources=[str(first)], out=str(out))
    store = Store(str(out))
    [part] = store.committed_parts("quotes")
    chained = pq.read_table(part)
    one = chained.column("quote_cluster_id")[0].as_py()
    chained = chained.set_column(chained.schema.get_field_index("quote_cluster_id"), "quote_cluster_id",
                                 pa.array([one] * chained.num_rows, pa.string()))
    write_parquet_atomic(chained, part)
    runs = pq.read_table(out / "runs.parquet")
    assert json.loads(runs.column("rules")[0].as_py())["cluster-quotes"] == CLUSTER_RULE
    write_parquet_atomic(runs.set_column(runs.schema.get_field_index("rules"), "rules",
                                         pa.nulls(runs.num_rows, pa.string())), out / "runs.parquet")

    news_pipeline(sources=[str(second)], out=str(out))
    quotes = pd.read_parquet(out / "quotes").merge(pd.read_parquet(out / "articles")[["article_id", "source"]])
    of = {src: set(g.quote_cluster_id) for src, g in quotes.groupby("source")}
    assert not of["a.txt"] & of["b.txt"] and not of["a.txt"] & of["bridge.txt"]
    assert one in of["a.txt"] | of["b.txt"]  # the cluster's representative keeps the committed id
    clusters = pd.read_parquet(out / "quote_clusters.parquet")
    assert clusters.n_articles.max() == 1


def test_aggregates_a_run_updates_from_its_own_rows_equal_a_full_recompute(tmp_path, prefect_harness, monkeypatch):
    """The sample corpus in four runs, one after another: where a run revised nothing it updates the
    aggregates from its own rows (tasks.aggregate_update), and after every run each aggregate equals, row
    for row, the aggregates computed from every committed row.  The tables read into memory give what the
    same tables scanned from their files give (a root past tasks.aggregate.IN_MEMORY_ROWS)."""
    from conftest import SAMPLE

    from flows.pipeline import news_pipeline
    from tasks import aggregate
    from tasks.aggregate import compute_aggregates, projected

    files = sorted(p for p in SAMPLE.rglob("*") if p.is_file() and p.parent.name != "feeds")
    out, ways = tmp_path / "out", []
    for i in range(4):
        folder = tmp_path / f"in{i}"
        folder.mkdir()
        for f in files[i::4]:
            (folder / f.name).write_bytes(f.read_bytes())
        ways.append(news_pipeline(sources=[str(folder)], out=str(out), workers=1)["aggregates"])
        store = Store(str(out))
        whole = compute_aggregates({n: store.committed_dataset(n) for n in schemas.FACT_TABLES})
        for name, table in whole.items():
            assert pq.read_table(out / f"{name}.parquet").equals(table), (i, name)
    assert ways[0] == "recomputed" and "updated" in ways, ways
    datasets = {n: store.committed_dataset(n) for n in schemas.FACT_TABLES}
    assert isinstance(projected(datasets)["mentions"], pa.Table)
    monkeypatch.setattr(aggregate, "IN_MEMORY_ROWS", 0)
    assert not isinstance(projected(datasets)["mentions"], pa.Table)
    lazily = compute_aggregates(datasets)
    assert all(lazily[name].equals(table) for name, table in whole.items())

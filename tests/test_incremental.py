"""Later runs build on earlier ones: cross-run dedup, and part files of the previous schema version."""
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from newsloom import schemas
from newsloom.fs import write_parquet_atomic
from newsloom.storage import Store

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

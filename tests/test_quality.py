"""Quality floors on the shared public gold corpora (skipped where ../shared is absent).

The floors sit a little under what bench/ measured (docs/benchmarks.md), so that a change that makes
extraction or attribution worse fails CI.  Raise them when the bench numbers go up.
"""
import sys

from conftest import ROOT, shared_path

sys.path.insert(0, str(ROOT))

EXTRACTION_F1_FLOOR = 0.972       # measured 0.974 on the 60 dev pages (0.977 before the one-site hover-card rule went)
QUOTES_SLICE = 60                 # the first 60 PolNeAR dev articles (inside the TUNE half)
QUOTES_FLOORS = {                 # measured on that slice with the encoder (2026-12-06, third round): direct,mixed
    # 0.931 span, 0.848 exact, 0.917 speaker, 0.854 joint; all kinds 0.786 span, 0.690 exact, 0.716 joint (the
    # predictions carry no kind)
    "direct,mixed": {"span_f1_overlap": 0.91, "span_f1_exact": 0.82, "speaker_acc_lenient": 0.90, "joint_f1_lenient": 0.83},
    "all": {"span_f1_overlap": 0.76, "span_f1_exact": 0.66, "joint_f1_lenient": 0.69},
}


def test_article_extraction_floor_and_never_below_plain_trafilatura():
    shared_path("eval", "extraction", "truth.jsonl")
    from bench.extraction import body_bench

    res = body_bench(limit=None)
    assert res["pages"] == 60
    assert res["newsloom"]["f1"] >= EXTRACTION_F1_FLOOR, res["newsloom"]
    assert res["newsloom"]["f1"] >= res["trafilatura_defaults"]["f1"], res
    assert len(res["worse_than_plain_by_0.05"]) <= 2, res["worse_than_plain_by_0.05"]


def test_article_extraction_floor_on_the_news_pages():
    """Body text of the 68 pages of ../shared/eval/news_html (measured 0.954, trafilatura's best configuration
    0.953): a floor, and no page more than 0.05 under trafilatura's best configuration."""
    shared_path("eval", "news_html", "truth.jsonl")
    from bench.extraction import body_bench

    res = body_bench(limit=None, which="news_html")
    assert res["pages"] == 68
    assert res["newsloom"]["f1"] >= 0.950, res["newsloom"]
    assert res["worse_than_best_by_0.05"] == [], res["worse_than_best_by_0.05"]


def test_metadata_floor_on_the_news_pages():
    """Date on the right day, author and title on the 68 pages of ../shared/eval/news_html (measured 68/68,
    67/67 and 55/68 with the metadata ranker of issue 31; 67/68, 67/67 and 60/68 before it).  The title
    here must equal the label exactly, and this set labels the metadata title where an outlet writes a
    shorter one for search and social media; the ranker, trained on WCXB's labels, prefers the headline the
    page prints (docs/benchmarks.md, "Metadata ranker")."""
    shared_path("eval", "news_html", "truth.jsonl")
    from bench.extraction import metadata_bench

    res = metadata_bench(limit=None)
    ok = {k: int(res[k].split("/")[0]) for k in ("date_same_day", "author_found", "title_equal")}
    assert ok["date_same_day"] >= 67 and ok["author_found"] >= 65 and ok["title_equal"] >= 54, res


def test_quote_quality_floor():
    shared_path("eval", "quotes", "dev.jsonl")
    from bench.quotes import run

    res = run("TUNE", limit=QUOTES_SLICE)
    for kinds, floors in QUOTES_FLOORS.items():
        for metric, floor in floors.items():
            assert res[kinds][metric] >= floor, (kinds, metric, res[kinds])


def test_entity_quality_floor_on_the_sample_gold():
    """Our own gold for data/raw (bench/gold/sample_entities.json); measured all F1 0.841, clustering 0.997."""
    from bench.entities import score

    res = score()
    assert res["all"]["f1"] >= 0.82, res["all"]
    assert res["PERSON"]["recall"] >= 0.95, res["PERSON"]
    assert res["clustering_pairwise"]["f1"] >= 0.97, res["clustering_pairwise"]


def test_entity_floor_on_a_conll_dev_slice(tmp_path):
    """CoNLL-2003 DEV documents 109-168 (from the half we report on, not the half we tune on), through the
    production stage functions, beside the bare model on the same texts.  Measured 2026-11-30: micro F1
    0.620 (bare 0.563), ORG 0.196 (bare 0.158), no document rejected."""
    import json

    from bench.entities import DEV, bare_dev, newsloom_dev, score_dev

    shared_path("eval", "ner", "dev.jsonl")
    docs = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    part = [d for d in docs if 109 <= int(d["id"].rsplit("-", 1)[1]) <= 168]
    ours, rejects = newsloom_dev(part, "en_core_web_sm")
    assert rejects == []  # English tables and results are never rejected for their language
    ours_score = score_dev(part, ours, tmp_path)
    bare_score = score_dev(part, bare_dev(part, "en_core_web_sm"), tmp_path)
    assert ours_score["micro"]["f1"] >= 0.59, ours_score["micro"]
    assert ours_score["ORG"]["f1"] >= 0.18, ours_score["ORG"]
    assert ours_score["micro"]["f1"] >= bare_score["micro"]["f1"] + 0.03


IDENTITY_SLICE = 60  # the first 60 PolNeAR dev articles (inside the TUNE half)
SPLIT_SHARE_CEILING = 0.005  # issue 34's target; measured on TUNE 0.14% (docs/benchmarks.md)


def test_lone_surnames_join_the_bearer_the_corpus_means_on_real_news():
    """On a slice of real political news, through the production stages: at most half a percent of PERSON
    mentions stay on a lone surname while one full-name bearer holds most of its articles, and the merges
    are many (the rule runs)."""
    import json

    from bench.identity import merges, run_stages, split_mentions

    path = shared_path("eval", "quotes", "dev.jsonl")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:IDENTITY_SLICE]]
    articles, mentions = run_stages(records)
    n, split = split_mentions(mentions, {a["article_id"] for a in articles})
    assert n > 1000 and len(split) <= SPLIT_SHARE_CEILING * n, (n, split)
    assert len(merges(mentions)) >= 20

"""Quote clusters on real news: purity to judge by hand, recall of versions, and the rule's cost.

    python -m bench.clusters ROOT --corpus polnear [--split tune|report|all] [--show] [--share 0.9]
    python -m bench.clusters ROOT --corpus wcxb --split report --show
    python -m bench.clusters ROOT --cost 20     # the cost of cluster-quotes and aggregate at 20 x ROOT

ROOT is the output of ``newsloom run`` on a corpus (its ``quotes`` and ``articles``).  The quotes of the
split's articles are clustered again by the production function (tasks.clusters.assign_quote_clusters),
so TUNE and REPORT never share a cluster.  Splits, in the corpus's own order: PolNeAR DEV
(``--corpus polnear``), TUNE its first 101 articles and REPORT the rest, as bench/identity.py; WCXB DEV
(``--corpus wcxb``), TUNE the pages whose file names sort in the first half and REPORT the rest.

It prints:
- the clusters carried by two articles or more, with their members, to judge by hand (``--show``): a
  cluster is pure when every member is a version of one statement (docs/benchmarks.md says how we judged);
- members that share less than 60% of their content words with their representative (must be 0);
- recall of versions: for every direct quote of 10 content words or more, two versions another outlet
  might print (a 60% excerpt, and the quote without punctuation and one word cut at an ellipsis) are
  added as quotes of a new article with no known speaker; the share that joins the original's cluster;
- the seconds clustering took.

``--cost K`` instead times the cluster-quotes whole phase and the aggregate stage's queries on ROOT's
committed tables copied K times (each copy under new article and document ids: the same people and
statements, K times the articles), in this process, and reports the peak RSS.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import tasks.clusters as clusters
import tasks.clusters.rule as rule
from bench._shared import need
from bench.identity import DEV, TUNE_ARTICLES
from newsloom import schemas
from newsloom.lang import pack_for
from tasks.common.text import WORDS

VERSION_MIN_WORDS = 10  # quotes long enough that an excerpt of 60% still holds six content words
EXCERPT_SHARE = 0.6
PROPERTY_FLOOR = 0.6


def load(root: Path, corpus: str, split: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The split's quotes and articles (article_id, language, site, position in the corpus)."""
    a = pd.read_parquet(root / "articles", columns=["article_id", "language", "site", "source", "doc_id"])
    if corpus == "polnear":
        need(DEV)
        ids = [json.loads(line)["id"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
        pos = {doc: i for i, doc in enumerate(ids)}
        a = a.assign(pos=a["source"].map(lambda s: pos[s.split("#", 1)[1]]), site=a["source"].map(
            lambda s: s.split("#", 1)[1].split("_")[0].removeprefix("polnear:")))  # ids open with the outlet
        a = a.sort_values("pos").reset_index(drop=True)
        tune = a["pos"] < TUNE_ARTICLES
    else:
        a = a.assign(name=a["source"].map(lambda s: Path(s).name)).sort_values("name").reset_index(drop=True)
        tune = a.index < len(a) // 2
    if split != "all":
        a = a[tune if split == "tune" else ~tune]
    q = pd.read_parquet(root / "quotes")
    return q[q.article_id.isin(set(a.article_id))].reset_index(drop=True), a


def cluster(quotes: pd.DataFrame, articles: pd.DataFrame) -> pd.Series:
    """quote_id -> its cluster, by the production function, with no earlier run."""
    cols = list(clusters.QUOTE_COLUMNS)
    new = pa.Table.from_pandas(quotes[cols], preserve_index=False).cast(schemas.QUOTES.empty_table().select(cols).schema)
    earlier = schemas.QUOTES.empty_table().select([*cols, "quote_cluster_id"])
    langs = pa.Table.from_pandas(articles[["article_id", "language"]], preserve_index=False)
    got = clusters.assign_quote_clusters(new, earlier, langs).to_pandas()
    return got.set_index("quote_id")["quote_cluster_id"]


def property_violations(quotes: pd.DataFrame, languages: dict) -> int:
    """Members sharing less than PROPERTY_FLOOR of their content words with their cluster's representative."""
    bad = 0
    for _, d in quotes.groupby("cluster"):
        if len(d) < 2:
            continue
        words = [set(pack_for(languages.get(a) or "xx").content_words(t)) for a, t in zip(d.article_id, d.text)]
        rep = min(range(len(d)), key=lambda i: (-len(words[i]), d.quote_id.iloc[i]))
        bad += sum(1 for w in words if w and len(w & words[rep]) < PROPERTY_FLOOR * len(w))
    return bad


def versions(quotes: pd.DataFrame, languages: dict) -> pd.DataFrame:
    """Two versions of every long direct quote, as quotes of one new article with no known speaker."""
    rows = []
    for r in quotes[quotes.kind == "direct"].itertuples():
        if len(pack_for(languages.get(r.article_id) or "xx").content_words(r.text)) < VERSION_MIN_WORDS:
            continue
        words = WORDS.findall(r.text)
        n = max(1, int(len(words) * EXCERPT_SHARE))
        start = (len(words) - n) // 2
        cut = words[:len(words) // 2] + words[len(words) // 2 + 1:]
        for k, text in enumerate((" ".join(words[start:start + n]), " ".join(cut))):
            rows.append({"quote_id": f"zz-version-{r.quote_id}-{k}", "article_id": f"zz-outlet-{r.quote_id}",
                         "text": text, "speaker": None, "speaker_surface": None, "attribution": "none",
                         "of": r.quote_id, "kind": "version"})
    return pd.DataFrame(rows)


def show(quotes: pd.DataFrame, articles: pd.DataFrame) -> None:
    site = dict(zip(articles.article_id, articles.site.fillna(articles.source)))
    multi = quotes.groupby("cluster").filter(lambda d: d.article_id.nunique() > 1)
    for cid, d in multi.groupby("cluster"):
        print(f"== {cid[:10]}: {d.article_id.nunique()} articles, speakers {sorted(set(d.speaker.dropna()))}")
        for r in d.itertuples():
            print(f"   {str(site.get(r.article_id))[-28:]:28} {str(r.speaker)[:18]:18} | {r.text[:160]}")


def copied(table: pa.Table, k: int) -> pa.Table:
    """``table`` with its article, document and quote ids suffixed ``~k`` (copy 0 keeps them)."""
    if not k:
        return table
    schema = table.schema
    for name in ("article_id", "doc_id", "quote_id", "dup_of", "quote_cluster_id"):
        if name in table.column_names:
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, pc.binary_join_element_wise(table.column(name), pa.scalar(f"~{k}"), ""))
    return table.cast(schema)


def cost(root: Path, times: int) -> None:
    import resource

    from newsloom.storage import Store
    from tasks.aggregate import compute_aggregates

    store = Store(str(root))
    base = {name: store.read_table(name) for name in schemas.FACT_TABLES}
    tables = {name: pa.concat_tables([copied(t, k) for k in range(times)]) for name, t in base.items()}
    quotes = tables["quotes"]
    print(f"{times} x {root}: {tables['articles'].num_rows} articles, {quotes.num_rows} quotes")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    clusters.assign_quote_clusters(quotes.select(list(clusters.QUOTE_COLUMNS)),
                                   schemas.QUOTES.empty_table().select([*clusters.QUOTE_COLUMNS, "quote_cluster_id"]),
                                   tables["articles"].select(["article_id", "language"]))
    t1 = time.perf_counter()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    compute_aggregates(tables)
    t2 = time.perf_counter()
    print(f"cluster-quotes whole phase: {t1 - t0:.1f} s, peak RSS +{(rss1 - rss0) / 1024:.0f} MB; "
          f"aggregate queries: {t2 - t1:.1f} s")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--corpus", choices=["polnear", "wcxb"])
    ap.add_argument("--cost", type=int, metavar="K", help="time clustering and aggregates on K copies of ROOT")
    ap.add_argument("--split", choices=["tune", "report", "all"], default="tune")
    ap.add_argument("--share", type=float, help="JOIN_SHARE to try (default: the shipped one)")
    ap.add_argument("--show", action="store_true", help="list the multi-article clusters to judge")
    args = ap.parse_args(argv)
    if args.cost:
        return cost(args.root, args.cost)
    if not args.corpus:
        ap.error("--corpus is needed unless --cost")
    if args.share is not None:
        rule.JOIN_SHARE = args.share
    quotes, articles = load(args.root, args.corpus, args.split)
    languages = dict(zip(articles.article_id, articles.language))
    t0 = time.perf_counter()
    quotes["cluster"] = quotes.quote_id.map(cluster(quotes, articles))
    seconds = time.perf_counter() - t0
    per = quotes.groupby("cluster").agg(n_articles=("article_id", "nunique"))
    print(f"{args.corpus} {args.split}: {len(articles)} articles, {len(quotes)} quotes, {len(per)} clusters, "
          f"{(per.n_articles > 1).sum()} carried by 2+ articles; {seconds:.2f} s")
    print(f"members under {PROPERTY_FLOOR:.0%} of the representative's content words: "
          f"{property_violations(quotes, languages)}")
    extra = versions(quotes, languages)
    if len(extra):
        langs = {**languages, **{a: languages.get(q) for a, q in zip(extra.article_id, extra["of"].map(
            dict(zip(quotes.quote_id, quotes.article_id))))}}
        both = pd.concat([quotes.drop(columns="cluster"), extra], ignore_index=True)
        arts = pd.DataFrame({"article_id": list(langs), "language": list(langs.values())})
        got = cluster(both, arts)
        joined = (extra.quote_id.map(got) == extra["of"].map(got)).mean()
        print(f"versions of {len(extra) // 2} long direct quotes that join the original's cluster: {joined:.3f}")
    if args.show:
        show(quotes, articles)


if __name__ == "__main__":
    main()

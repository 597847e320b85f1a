"""``newsloom report``: one static HTML file from an output folder, readable in a browser with no server.

Sections: entities over time (line chart of the top N), top speakers with sample quotes, the
co-occurrence network (top edges), a map of the places mentioned (drawn on outlines shipped with the
gazetteer, no tiles), quote clusters carried by several outlets, rejects by stage and
reason, and the run history.  Charts are plotly figures; plotly.js is embedded once in the page,
so the file works offline (no CDN).
"""
from __future__ import annotations

import html
import json
import math
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from newsloom.interfaces.sql import connect, query_arrow
from newsloom.storage import Store


def _df(con, sql: str) -> pd.DataFrame:
    return query_arrow(con, sql).to_pandas()


def _table(df: pd.DataFrame, columns: dict[str, str]) -> str:
    if df.empty:
        return "<p class='empty'>Nothing yet.</p>"
    head = "".join(f"<th>{html.escape(label)}</th>" for label in columns.values())
    rows = []
    for _, r in df.iterrows():
        cells = "".join(f"<td>{html.escape('' if pd.isna(r[c]) else str(r[c]))}</td>" for c in columns)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure_html(fig, div_id: str) -> str:
    fig.update_layout(margin=dict(l=40, r=20, t=40, b=40), height=420, template="plotly_white")
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def entities_over_time(con, top: int):
    import plotly.graph_objects as go

    df = _df(con, f"""
        WITH t AS (SELECT entity_id, name FROM entities ORDER BY n_mentions DESC, entity_id LIMIT {top})
        SELECT d.date, t.name, d.n_mentions FROM entity_daily d JOIN t USING (entity_id) ORDER BY d.date
    """)
    fig = go.Figure()
    for name, g in df.groupby("name", sort=False):
        fig.add_trace(go.Scatter(x=g["date"], y=g["n_mentions"], mode="lines+markers", name=name))
    fig.update_layout(title=f"Mentions per day, top {top} entities", xaxis_title="date", yaxis_title="mentions")
    return fig, len(df)


def cooccurrence_network(con, top: int):
    """The top edges, nodes on a circle sized by mentions, edge width by shared articles."""
    import plotly.graph_objects as go

    edges = _df(con, f"""
        SELECT ea.name AS a, eb.name AS b, c.n_articles, c.entity_a, c.entity_b
        FROM cooccurrence c JOIN entities ea ON ea.entity_id = c.entity_a JOIN entities eb ON eb.entity_id = c.entity_b
        ORDER BY c.n_articles DESC, c.entity_a, c.entity_b LIMIT {top * 3}
    """)
    ids = list(dict.fromkeys([*edges["entity_a"], *edges["entity_b"]]))
    names = dict(zip(edges["entity_a"], edges["a"])) | dict(zip(edges["entity_b"], edges["b"]))
    pos = {e: (math.cos(2 * math.pi * i / max(len(ids), 1)), math.sin(2 * math.pi * i / max(len(ids), 1)))
           for i, e in enumerate(ids)}
    fig = go.Figure()
    widest = max(edges["n_articles"].max(), 1) if len(edges) else 1
    for r in edges.itertuples():
        (x0, y0), (x1, y1) = pos[r.entity_a], pos[r.entity_b]
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="text",
                                 text=f"{r.a} – {r.b}: {r.n_articles} articles",
                                 line=dict(width=1 + 5 * r.n_articles / widest, color="rgba(70,100,160,0.45)"),
                                 showlegend=False))
    fig.add_trace(go.Scatter(x=[pos[e][0] for e in ids], y=[pos[e][1] for e in ids], mode="markers+text",
                             text=[names[e] for e in ids], textposition="top center", showlegend=False,
                             marker=dict(size=12, color="#c0504d")))
    fig.update_layout(title=f"Co-occurrence: top {len(edges)} pairs by shared articles",
                      xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"))
    return fig, len(edges)


PLACES_SQL = """
    SELECT name, country_code, lat, lon, n_mentions, n_articles, n_focus FROM places
    ORDER BY n_mentions DESC, geonameid LIMIT {limit}
"""
MAP_PLACES = 500  # the map shows the most-mentioned places, this many at most
MARKER_MIN, MARKER_MAX = 6, 40  # marker diameters (px): a place's area grows with its mentions


def _outline_trace(go):
    """The countries' outlines, shipped with the gazetteer (tasks/places/data/outlines.json): one line trace
    with breaks between rings, so the map needs no tile or topojson from the network."""
    from tasks.places.gazetteer import OUTLINES_FILE

    lon, lat = [], []
    for ring in json.loads(OUTLINES_FILE.read_text(encoding="utf-8")):
        lon += [p[0] for p in ring] + [None]
        lat += [p[1] for p in ring] + [None]
    return go.Scatter(x=lon, y=lat, mode="lines", line=dict(color="#c8c8c8", width=0.7), hoverinfo="skip",
                      showlegend=False)


def places_map(con):
    """(figure, places shown): resolved places on the countries' outlines, sized by mentions and coloured by
    country (equirectangular: longitude and latitude on equal axes)."""
    import plotly.graph_objects as go

    df = _df(con, PLACES_SQL.format(limit=MAP_PLACES))
    fig = go.Figure([_outline_trace(go)])
    if len(df):
        top = max(df["n_mentions"].max(), 1)
        for code, g in df.groupby(df["country_code"].fillna("—"), sort=True):
            size = MARKER_MIN + (MARKER_MAX - MARKER_MIN) * (g["n_mentions"] / top) ** 0.5
            text = [f"{n} ({c}): {m} mentions in {a} articles, focus of {f}" for n, c, m, a, f in
                    zip(g["name"], g["country_code"].fillna("—"), g["n_mentions"], g["n_articles"], g["n_focus"])]
            fig.add_trace(go.Scatter(x=g["lon"], y=g["lat"], mode="markers", name=code, text=text,
                                     hoverinfo="text", marker=dict(size=size, opacity=0.75, line=dict(width=0.5))))
    fig.update_layout(title="Places mentioned (size: mentions; colour: country)", showlegend=len(df) > 0)
    fig.update_xaxes(range=[-180, 180], showgrid=False, zeroline=False, visible=False)
    fig.update_yaxes(range=[-60, 85], showgrid=False, zeroline=False, visible=False, scaleanchor="x")
    return fig, len(df)


def rejects_chart(con):
    import plotly.graph_objects as go

    df = _df(con, "SELECT stage, reason, count(*) AS n FROM rejects GROUP BY ALL ORDER BY n DESC, stage, reason")
    fig = go.Figure()
    for stage, g in df.groupby("stage", sort=False):
        fig.add_trace(go.Bar(x=g["reason"], y=g["n"], name=stage))
    fig.update_layout(title="Rejects by reason", barmode="stack", yaxis_title="rows")
    return fig, df


def runs_chart(runs: pd.DataFrame):
    import plotly.graph_objects as go

    fig = go.Figure()
    for col in ("n_documents", "n_articles", "n_quotes"):
        fig.add_trace(go.Bar(x=runs["run_id"], y=runs[col], name=col.removeprefix("n_")))
    fig.update_layout(title="Rows added per run", barmode="group")
    return fig


TOTALS_SQL = """
    SELECT (SELECT count(*) FROM articles WHERE dup_of IS NULL) AS originals,
           (SELECT count(*) FROM articles WHERE dup_of IS NOT NULL) AS duplicates,
           (SELECT count(*) FROM mentions) AS mentions, (SELECT count(*) FROM quotes) AS quotes,
           (SELECT count(*) FROM entities) AS entities, (SELECT count(*) FROM rejects) AS rejects,
           (SELECT min(day_ts) FROM article_dates) AS first_day,
           (SELECT max(day_ts) FROM article_dates) AS last_day
"""

SPEAKERS_SQL = """
    WITH s AS (SELECT * FROM speakers ORDER BY n_quotes DESC, entity_id LIMIT {top}),
    sample AS (
        SELECT speaker_entity_id, text,
               row_number() OVER (PARTITION BY speaker_entity_id ORDER BY kind, confidence DESC,
                                  length(text) DESC, quote_id) AS k
        FROM quotes WHERE speaker_entity_id IN (SELECT entity_id FROM s)
    ),
    about AS (
        SELECT speaker_entity_id, string_agg(name, ', ' ORDER BY n_quotes DESC, name) AS about
        FROM (SELECT *, row_number() OVER (PARTITION BY speaker_entity_id ORDER BY n_quotes DESC, name) AS k
              FROM speaker_mentions) WHERE k <= 3 GROUP BY ALL
    )
    SELECT s.name, s.n_quotes, s.n_articles, about.about, sample.text AS sample_quote
    FROM s LEFT JOIN sample ON sample.speaker_entity_id = s.entity_id AND sample.k = 1
    LEFT JOIN about ON about.speaker_entity_id = s.entity_id
    ORDER BY s.n_quotes DESC, s.name
"""

CLUSTERS_SQL = """
    SELECT text, array_to_string(speakers, ', ') AS speakers, n_articles, n_sites,
           CAST(first_seen AS DATE) AS first_seen, first_site
    FROM quote_clusters WHERE n_articles > 1 ORDER BY n_sites DESC, n_articles DESC, cluster_id LIMIT {top}
"""

LANGUAGES_SQL = ("SELECT coalesce(language, 'unknown') AS language, n_articles, n_mentions, n_quotes, n_entities, "
                 "n_not_read FROM languages ORDER BY n_articles DESC, language")

# the gazetteer's licence asks for it (docs/places.md)
ATTRIBUTION = ("<p class='empty'>Places: GeoNames (geonames.org), CC-BY 4.0; country outlines from the "
               "countryinfo package.</p>")

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } section { margin-bottom: 2.5rem; } .empty { color: #888; }
"""


def _report_data(out: str | Path, top: int) -> dict:
    """Everything the report shows, queried once from the output root's views."""
    con = connect(Store(out), aggregates=True)
    try:
        data = {"totals": _df(con, TOTALS_SQL).iloc[0], "speakers": _df(con, SPEAKERS_SQL.format(top=top)),
                "clusters": _df(con, CLUSTERS_SQL.format(top=top)),
                "runs": _df(con, "SELECT * FROM runs ORDER BY started_at"), "languages": _df(con, LANGUAGES_SQL)}
        data["entities"] = entities_over_time(con, top)
        data["network"] = cooccurrence_network(con, top)
        data["rejects"] = rejects_chart(con)
        data["places"] = places_map(con)
    finally:
        con.close()
    return data


def _summary_line(totals) -> str:
    span = "" if pd.isna(totals["first_day"]) else \
        f"{pd.Timestamp(totals['first_day']).date()} to {pd.Timestamp(totals['last_day']).date()}"
    return (f"{totals['originals']} articles ({totals['duplicates']} duplicates marked), "
            f"{totals['mentions']} mentions of {totals['entities']} entities, {totals['quotes']} quotes, "
            f"{totals['rejects']} rejects; articles dated {span or 'n/a'}.")


def _sections(d: dict) -> list[tuple[str, str]]:
    (ent_fig, n_points), (net_fig, n_edges), (rej_fig, rejects), runs = d["entities"], d["network"], d["rejects"], d["runs"]
    return [
        ("Coverage by language", _table(d["languages"], {
            "language": "language", "n_articles": "articles", "n_mentions": "mentions", "n_quotes": "quotes",
            "n_entities": "entities", "n_not_read": "not read (no model)"})),
        ("Entities over time", _figure_html(ent_fig, "chart-entities") if n_points else "<p class='empty'>No mentions yet.</p>"),
        ("Top speakers", _table(d["speakers"], {"name": "speaker", "n_quotes": "quotes", "n_articles": "articles",
                                                "about": "talks most about", "sample_quote": "sample quote"})),
        ("Places", (_figure_html(d["places"][0], "chart-places") if d["places"][1]
                    else "<p class='empty'>No resolved places yet.</p>") + ATTRIBUTION),
        ("Co-occurrence network", _figure_html(net_fig, "chart-network") if n_edges else "<p class='empty'>No pairs yet.</p>"),
        ("Quotes carried by several articles", _table(d["clusters"], {
            "text": "statement", "speakers": "speakers", "n_articles": "articles", "n_sites": "sites",
            "first_seen": "first seen", "first_site": "first at"})),
        ("Rejects", (_figure_html(rej_fig, "chart-rejects") if len(rejects) else "")
         + _table(rejects, {"stage": "stage", "reason": "reason", "n": "rows"})),
        ("Run history", (_figure_html(runs_chart(runs), "chart-runs") if len(runs) else "")
         + _table(runs, {"run_id": "run", "status": "status", "started_at": "started", "n_documents": "documents",
                         "n_articles": "articles", "n_duplicates": "duplicates", "n_quotes": "quotes",
                         "n_rejects": "rejects"})),
    ]


def build_report(out: str | Path, top: int = 10) -> str:
    """The report's HTML for the output root ``out``: one offline file, plotly embedded."""
    from plotly.offline import get_plotlyjs

    data = _report_data(out, top)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "".join(f"<section><h2>{html.escape(t)}</h2>{c}</section>" for t, c in _sections(data))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>newsloom report: {html.escape(str(out))}</title>
<script type="text/javascript">{get_plotlyjs()}</script>
<style>{STYLE}</style></head>
<body><h1>newsloom report</h1>
<p>{html.escape(_summary_line(data["totals"]))}</p><p class="empty">Output root {html.escape(str(out))}; generated {generated}.</p>
{body}
</body></html>
"""


def write_report(out: str | Path, path: str | Path, top: int = 10) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(build_report(out, top), encoding="utf-8")
    tmp.replace(path)
    return path

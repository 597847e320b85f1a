import json
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import FIXTURES

from newsloom import schemas
from tasks.clean import Rejected, clean_articles, clean_html_page, clean_text_page, decode_content
from tasks.clean.dates import date_from_url, parse_dateline

STORY = [
    "The first tidal power station in Orvania began supplying electricity to the grid on Tuesday",
    "“This is the day we stop arguing about the tide and start using it,” energy minister Sofia Lindqvist said",
    "The station's eight turbines can power about forty thousand homes",
    "Local fishermen, who fought the project in court for six years",
]
CHROME = ["Follow us on", "Subscribe to", "Leave a Reply", "Your email address", "adrotate", "Related",
          "Brisk estuary lawsuit dismissed", "supreme court dismissed", "cookies", "Powered by", "Privacy Policy",
          "bloggers like this", "Home | World"]


def test_text_dump_keeps_story_and_drops_chrome():
    page = clean_text_page((FIXTURES / "chrome_dump.txt").read_text())
    for phrase in STORY:
        assert phrase in page["text"]
    for phrase in CHROME:
        assert phrase not in page["text"], phrase
    assert page["title"] == "Orvania opens its first tidal power station"
    assert page["published_at"] == datetime(2026, 4, 14, 9, 5, tzinfo=timezone.utc)
    assert page["date_source"] == "text"
    assert "\n\n" in page["text"] and "\n\n\n" not in page["text"]


HARBOUR_STORY = [
    "DUNMERE, March 3 -- The harbour master, Ilse Dorn, said on Monday that the ferry would not sail until the "
    "quay was repaired, and that the board had been warned twice about the state of the old stone quay.",
    "\"We cannot put crews on a quay that is falling into the sea,\" Dorn said. She added that the board would "
    "meet again on Friday.",
    "The union's leader, Tomas Ek, said the crews were ready to work once the repairs were done, and that "
    "they had waited long enough.",
    "Ferry services to the islands have been cut since the storm.",
]


@pytest.mark.parametrize("width", [60, 72, 78])
def test_hard_wrapped_text_keeps_every_line(width):
    """Wire copy and e-mail wrap lines at a fixed width; each paragraph comes back whole, in one piece."""
    import textwrap

    raw = "Harbour talks stall again\n\n" + "\n\n".join(textwrap.fill(p, width) for p in HARBOUR_STORY)
    page = clean_text_page(raw)
    assert page["title"] == "Harbour talks stall again"
    assert page["text"].split("\n\n") == HARBOUR_STORY


def test_a_page_dump_is_not_unwrapped():
    """One paragraph per line, with menu lines between them: no line is joined to another."""
    from tasks.clean.plaintext import unwrap_hard_wrapped

    raw = (FIXTURES / "chrome_dump.txt").read_text()
    assert unwrap_hard_wrapped(raw) == raw
    menu = "Home\nNews\nSport\nWeather\n\n" + "\n\n".join(HARBOUR_STORY)
    assert unwrap_hard_wrapped(menu) == menu


def test_a_short_sentence_inside_the_story_is_kept():
    """“No,” she said. is three words: a sentence of the story between two of its paragraphs, not a menu item."""
    raw = ("Harbour talks stall again\n\nThe harbour master, Ilse Dorn, said on Monday that the ferry would not "
           "sail until the quay was repaired.\n\n“No,” she said.\n\nThe board will meet on Friday.\n\n"
           "Quay repairs\n\nTomas Ek, the union leader, said the crews were ready to work.")
    paragraphs = clean_text_page(raw)["text"].split("\n\n")
    # a short line that ends no sentence, before a short paragraph, stays out as before
    assert "“No,” she said." in paragraphs and "Quay repairs" not in paragraphs
    assert paragraphs[-1].startswith("Tomas Ek")


def test_a_sentence_broken_over_two_paragraphs_is_one():
    """A copy that breaks a sentence where the page had a line break: the next paragraph opens in lower case,
    after a quotation mark or not; a paragraph that ends a sentence, or a list item, stays apart."""
    raw = ("Harbour talks stall again\n\nThe harbour master, Ilse Dorn, said on Monday that the union\n\n"
           "\"is right to be angry about the delays of the last two winters.\"\n\n"
           "\"We will not wait another winter,\"\n\nshe said after the board met on the quay.\n\n"
           "The board will meet again on Friday to vote on the repairs.\n\n"
           "one of its members said he would vote against the plan for the quay.")
    paragraphs = clean_text_page(raw)["text"].split("\n\n")
    assert paragraphs[:2] == [
        "The harbour master, Ilse Dorn, said on Monday that the union \"is right to be angry about the delays of "
        "the last two winters.\"",
        "\"We will not wait another winter,\" she said after the board met on the quay."]
    assert paragraphs[2].startswith("The board") and paragraphs[3].startswith("one of its members")


def test_html_page_keeps_story_metadata_and_drops_chrome():
    page = clean_html_page((FIXTURES / "chrome_page.html").read_text())
    for phrase in STORY:
        assert phrase in page["text"]
    # contact and newsletter lines
    for phrase in CHROME + ["By Nils Aberg", "All rights reserved", "Have a tip", "reached at", "in your inbox"]:
        assert phrase not in page["text"], phrase
    assert page["title"] == "Orvania opens its first tidal power station"
    assert page["author"] == "Nils Aberg"
    assert page["site"] == "The Orvania Herald"
    assert page["url"] == "https://orvaniaherald.example/2026/04/14/tidal-station"
    assert page["published_at"] == datetime(2026, 4, 14, 9, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("line, expected, rest", [
    ("February 13, 2017, 2:43 pm", datetime(2017, 2, 13, 14, 43, tzinfo=timezone.utc), ""),
    ("June 4, 2016 (EIRNS)—Russian Foreign Minister met", datetime(2016, 6, 4, tzinfo=timezone.utc), "Russian Foreign Minister met"),
    ("Saturday, 21. April 2018", datetime(2018, 4, 21, tzinfo=timezone.utc), ""),
    ("Published: 4 March 2026", datetime(2026, 3, 4, tzinfo=timezone.utc), ""),
])
def test_datelines(line, expected, rest):
    dt, n = parse_dateline(line)
    assert dt == expected
    assert line[n:].strip() == rest


@pytest.mark.parametrize("line, day, offset_hours", [
    ("March 3, 2026 11:30 PM EST — Dunmere's harbour board met", date(2026, 3, 3), -5),
    ("July 4, 2025 8:04 PM ET — Dunmere's harbour board met", date(2025, 7, 4), -4),  # ET in July: summer time
    ("Jan. 5, 2026, 10:00 a.m. PT — Dunmere's harbour board met", date(2026, 1, 5), -8),
])
def test_a_dateline_keeps_its_time_zone_and_the_day_it_printed(line, day, offset_hours):
    """The zone written after the time is read (a capital PM included), so the instant is right and the
    printed day stays the article's day: 11:30 PM EST on March 3 is March 4 in UTC."""
    dt, n = parse_dateline(line)
    assert dt.utcoffset() == timedelta(hours=offset_hours)
    assert dt.date() == day
    assert line[n:].strip() == "Dunmere's harbour board met"


def test_no_dateline_in_ordinary_sentence():
    assert parse_dateline("The strike began on March 2, 2026 after talks failed.") is None


def test_date_from_url():
    assert date_from_url("https://x.example/news/2026/03/02/story") == datetime(2026, 3, 2, tzinfo=timezone.utc)
    assert date_from_url("https://x.example/news/story-2026") is None


def test_decoding():
    assert decode_content("Café au lait in Zürich".encode("latin-1"), "text/plain") == "Café au lait in Zürich"
    assert decode_content(b'<meta charset="windows-1252"><p>\x93quoted\x94</p>', "text/html").endswith("“quoted”</p>")
    with pytest.raises(Rejected) as exc:
        decode_content(b"\x00\x01\x02\xff" * 100, "text/html")
    assert exc.value.reason == "binary_content"
    with pytest.raises(Rejected) as exc:
        decode_content(b"  \n\t ", "text/plain")
    assert exc.value.reason == "empty_text"


def _docs(rows):
    base = {"fetched_at": datetime(2026, 1, 1, tzinfo=timezone.utc), "http_status": None, "run_id": "r"}
    return schemas.from_rows([{**base, **r} for r in rows], schemas.DOCUMENTS)


def test_clean_articles_rows_and_rejects(config):
    text = "Jonas Feld said the harbour would reopen on Monday after a week of repairs to the main quay wall. " * 3
    line = json.dumps({"id": "x1", "text": "  Kept   verbatim.  " + text, "title": "T", "published_at": "2026-03-01T10:00:00Z",
                       "source": "Wire"}).encode()
    docs = _docs([
        {"doc_id": "d1", "source": "a.txt", "media_type": "text/plain", "content": text.encode()},
        {"doc_id": "d2", "source": "f.jsonl#x1", "media_type": "application/x-ndjson", "content": line},
        {"doc_id": "d3", "source": "e.txt", "media_type": "text/plain", "content": b"   "},
        {"doc_id": "d4", "source": "s.txt", "media_type": "text/plain", "content": b"Too short to be a story."},
        {"doc_id": "d5", "source": "bin.html", "media_type": "text/html", "content": bytes(range(256)) * 20},
    ])
    articles, rejects = clean_articles(docs, config)
    assert articles.schema == schemas.ARTICLES
    by_source = {r["source"]: r for r in articles.to_pylist()}
    assert set(by_source) == {"a.txt", "f.jsonl#x1"}
    j = by_source["f.jsonl#x1"]
    assert j["text"].startswith("  Kept   verbatim.  ")  # JSONL text is verbatim
    assert j["site"] == "Wire" and j["title"] == "T" and j["date_source"] == "metadata"
    assert j["language"] == "en" and j["n_words"] > 20 and len(j["article_id"]) == 32
    assert dict(zip(rejects.column("source").to_pylist(), rejects.column("reason").to_pylist())) == {
        "e.txt": "empty_text", "s.txt": "too_short", "bin.html": "binary_content"}
    assert set(rejects.column("stage").to_pylist()) == {"clean"}
    # deterministic ids
    again, _ = clean_articles(docs, config)
    assert again.column("article_id").to_pylist() == articles.column("article_id").to_pylist()


def test_recall_fallback_recovers_a_story_the_precise_pass_drops():
    # a story in bare <div>s: the precision-favouring pass finds nothing, the fallback finds every paragraph
    from tasks.clean.pages import _trafilatura

    para = ("The harbour board of Port Veldra met on Tuesday to discuss the new ferry timetable and the cost "
            "of dredging the northern channel before winter. Item {}.")
    html = "<html><body><div id='x'>" + "".join(f"<div>{para.format(i)}</div>" for i in range(4)) + "</div></body></html>"
    first = _trafilatura(html, None, favor_precision=True)
    assert first is None or len((first.text or "").split()) < 50
    page = clean_html_page(html)
    assert all(f"Item {i}." in page["text"] for i in range(4)), page["text"]


def test_headline_that_h1_json_ld_and_title_agree_on_wins_over_og_title():
    html = """<html><head><title>Ferry timetable cut as dredging costs climb | Veldra Courier</title>
    <meta property="og:title" content="Ferries cut">
    <meta property="og:site_name" content="Veldra Courier">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry timetable cut as dredging costs climb"}</script>
    </head><body><article><h1>Ferry timetable cut as dredging costs climb</h1>
    <p>The harbour board of Port Veldra cut the winter ferry timetable on Tuesday after the cost of dredging
    the northern channel rose for the third year in a row, board members told a public meeting.</p>
    <p>Two of the four daily crossings to Saltmere will stop from December, and the board will review the
    timetable again in March when the dredging contract is renewed.</p></article></body></html>"""
    assert clean_html_page(html)["title"] == "Ferry timetable cut as dredging costs climb"
    # without the <h1>, the JSON-LD headline and the <title> still agree against og:title's social headline,
    # and the metadata ranker (issue 31) takes what two sources say over what one says
    got = clean_html_page(html.replace("<h1>Ferry timetable cut as dredging costs climb</h1>", ""))
    assert got["title"] == "Ferry timetable cut as dredging costs climb" and got["title_source"] != "og_title"


def test_language_is_decided_on_prose_lines_not_on_tables():
    """A results table in English is never another language; prose decides, in any script; too little
    prose to tell gives None, which the NLP stage does not reject.  (Fictional text.)"""
    from tasks.clean import detect_language

    table = "\n".join(["HARBOUR LEAGUE STANDINGS", "Dunmere 12 8 3 1 27 9 27", "Tarrow 12 7 2 3 19 12 23",
                       "Brennick Rovers 12 5 4 3 17 15 19", "Kessel Town 12 2 3 7 9 21 9"] * 4)
    assert detect_language(table) is None
    prose = ("The harbour council of Dunmere met on Monday to discuss the new ferry timetable.\n"
             "Mayor Ilse Dorn said the first crossings would start in the spring.\n")
    assert detect_language(table + "\n" + prose) == "en"
    assert detect_language("Le conseil du port de Dunmere a adopté lundi le nouvel horaire des traversiers, "
                           "a indiqué la mairesse dans un communiqué publié le soir même.") == "fr"
    assert detect_language("港湾局は月曜日、新しいフェリーの運航を来月から始めると発表した。"
                           "市長は、最初の便は春に出発すると述べた。") == "ja"


@pytest.mark.parametrize("line, expected, rest", [
    ("Lundi 2 mars 2026 — Au premier jour de la grève", datetime(2026, 3, 2, tzinfo=timezone.utc),
     "Au premier jour de la grève"),
    ("Publié le 9 mars 2026", datetime(2026, 3, 9, tzinfo=timezone.utc), ""),
    ("le 1er février 2026, à 14h05 | Port-Laurier", datetime(2026, 2, 1, tzinfo=timezone.utc), "Port-Laurier"),
    ("lundi 2 mars — Les dockers", datetime(2026, 3, 2, tzinfo=timezone.utc), "Les dockers"),  # the fetch's year
    ("samedi 27 décembre", datetime(2025, 12, 27, tzinfo=timezone.utc), ""),  # after the fetch date: the year before
])
def test_french_datelines(line, expected, rest):
    dt, n = parse_dateline(line, datetime(2026, 3, 4, tzinfo=timezone.utc))
    assert dt == expected
    assert line[n:].strip() == rest


@pytest.mark.parametrize("line", ["le 12 mai dernier, le maire a signé", "Le 10 mars 2026, le ministre a dit",
                                  "lundi 2 mars"])
def test_story_sentences_that_open_with_a_date_are_not_datelines(line):
    """A date that opens a sentence is part of the story: without a dash or a line of its own it stays.  A
    date with no year and no fetch time to give it one is not read."""
    assert parse_dateline(line, None if line == "lundi 2 mars" else datetime(2026, 3, 4, tzinfo=timezone.utc)) is None


def test_chrome_words_inside_a_long_story_paragraph_do_not_drop_it():
    from tasks.clean.boilerplate import is_chrome

    story = ("The new Tarrow ferry, powered by a hybrid engine that the Dunmere yard fitted over the winter, made "
             "its first crossing on Monday with forty passengers and six cars aboard, and the harbour office said "
             "the timetable would return to four sailings a day from the first week of April.")
    assert not is_chrome(story)
    assert is_chrome("Harbor Watch © 2026 · Powered by Quillpress")
    assert is_chrome("Copyright 2026 The Dunmere Ledger. All rights reserved.")


def test_mojibake_a_site_published_is_undone_and_accents_written_right_stay():
    # UTF-8 read once more as Windows-1252 by the site: the curly apostrophe and the accents come out mangled
    story = " ".join(["The harbour master\u2019s office in Dunmere said the caf\u00e9 on the quay reopens on Monday, "
                      "after repairs that took the crew of the Velmar ferry most of the winter."] * 6)
    mangled = story.encode("utf-8").decode("cp1252")
    heading = "The harbour master\u2019s caf\u00e9".encode("utf-8").decode("cp1252")
    html = (f"<html><head><title>The quay caf\u00e9 reopens</title></head><body><article>"
            f"<h1>{heading}</h1><p>{mangled}</p><p>{mangled}</p></article></body></html>")
    page = clean_html_page(html, "https://dunmere-ledger.example/quay", rank=False)
    assert "master\u2019s office" in page["text"] and "caf\u00e9 on the quay" in page["text"]
    assert "\u00e2\u20ac" not in page["text"] and "\u00c3" not in page["text"]
    right = clean_text_page("Le caf\u00e9 du quai rouvre\n\n" + " ".join(["\u00c0 Dunmere, le caf\u00e9 \u00ab Le Quai \u00bb "
                                                                          "rouvre lundi apr\u00e8s l\u2019hiver."] * 8))
    assert right["title"] == "Le caf\u00e9 du quai rouvre" and "\u00ab Le Quai \u00bb" in right["text"]

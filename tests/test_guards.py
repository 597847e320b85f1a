"""The clean stage's guards against extracting the wrong block (issue 22), on pages we wrote ourselves.

- teasers: the text is a list of other stories (short headline-like lines or link texts) that shares
  little with the page's own headline and description;
- small_share: the precise pass kept under a fifth of the words of the page's main block of prose.
In both cases the other pass's text is taken, when it does not look like teasers itself (and, for a small
share, when it extends the story the first pass found).
- a small part of what the page shows (issue 31): the precise pass kept a guide's introduction and left its
  items, each in its own element; the balanced pass's text is taken when it extends that story with text
  about the page's subject.
- what the recall pass adds (issue 31): a text still well under what the page shows takes the recall pass's
  text where that adds a part of the story (on the subject, of some length, not repeated captions).
- a story printed twice (issue 31): a second copy of a run of paragraphs (a print or mobile rendering the
  extractor also read) is dropped; a repeated pull quote is not.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from tasks.clean.boilerplate import REPEATED_RUN, is_chrome, without_repeated_runs
from tasks.clean.guards import (
    RECALL_MIN_ADDED,
    better_of,
    count_words,
    fuller_of,
    guard_reason,
    looks_like_teasers,
    main_block_words,
    recalled_of,
    shown_words,
    shows_more_words,
)
from tasks.clean.markup import parse_page
from tasks.clean.pages import _trafilatura, clean_html_page, passes_of

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEASER_PAGE = (FIXTURES / "teaser_page.html").read_text(encoding="utf-8")
POSTS_PAGE = (FIXTURES / "posts_page.html").read_text(encoding="utf-8")
GUIDE_PAGE = (FIXTURES / "guide_page.html").read_text(encoding="utf-8")  # five crossings, each in its own slide

TEASERS = "\n".join([
    "Dunmere council approves new harbour wall",
    "Councillors voted eight to three in favour of the plan after a long debate",
    "Fishing quotas cut again for Valdora fleet",
    "Boat owners warn that the smaller boats will not survive another season",
    "Lighthouse keeper retires after forty years",
    "Storm season: what the forecasters expect",
])
STORY = ("The Tarrow ferry will sail again on Monday after three weeks of repairs to the pier that the February "
         "storm tore apart, the Dunmere harbour office said on Friday.\n"
         "Engineers replaced eleven of the pier's wooden piles and the steel ramp that carries cars onto the deck.\n"
         "The first crossing leaves Dunmere at seven in the morning.\n"
         "Tarrow's shopkeepers said the closure had emptied their shelves.")


def test_a_list_of_other_stories_is_teasers_and_the_story_is_not():
    assert looks_like_teasers(TEASERS, TEASER_PAGE)
    assert guard_reason(TEASERS, TEASER_PAGE) == "teasers"
    assert not looks_like_teasers(STORY, TEASER_PAGE)
    assert guard_reason(STORY, TEASER_PAGE) is None


def test_short_headline_lines_that_share_the_page_headline_are_not_teasers():
    # a story told in short lines (a list of results, a timeline) that is about the page's own subject
    lines = "\n".join(["Ferry service to Tarrow resumes", "Storm repairs to the pier finished", "Monday: first sailing",
                       "Harbour office confirms the timetable", "Tickets honoured until April"])
    assert not looks_like_teasers(lines, TEASER_PAGE)


def test_a_pass_that_keeps_one_post_of_a_page_of_posts_has_a_small_share():
    assert main_block_words(POSTS_PAGE) >= 150  # the feed, not one post: its posts sit in their own elements
    first_post = ("The first boats are out on the water. Wind is light from the west, about eight knots, and the "
                  "race committee has delayed the start by fifteen minutes.")
    assert guard_reason(first_post, POSTS_PAGE) == "small_share"
    # with the page's parse the regex bound is skipped and the main block read at once: the same answers
    tree = parse_page(POSTS_PAGE)
    assert guard_reason(first_post, POSTS_PAGE, tree) == "small_share"
    assert guard_reason(TEASERS, TEASER_PAGE, parse_page(TEASER_PAGE)) == "teasers"
    page = clean_html_page(POSTS_PAGE)
    assert count_words(page["text"]) >= 0.9 * main_block_words(POSTS_PAGE)
    assert guard_reason(page["text"], POSTS_PAGE) is None and guard_reason(page["text"], POSTS_PAGE, tree) is None


def test_the_other_pass_is_taken_only_where_it_is_better():
    teasers, story = SimpleNamespace(text=TEASERS), SimpleNamespace(text=STORY)
    assert better_of(teasers, story, TEASER_PAGE, "teasers") is story
    assert better_of(teasers, SimpleNamespace(text=TEASERS + "\nNew café opens on the quay"), TEASER_PAGE,
                     "teasers") is teasers  # the other pass found teasers too: keep the first
    assert better_of(teasers, None, TEASER_PAGE, "teasers") is teasers
    one_post = SimpleNamespace(text="The first boats are out on the water. Wind is light from the west.")
    feed = SimpleNamespace(text="The first boats are out on the water. Wind is light from the west.\n"
                                "Harbour master Ilse Dorn has opened the north quay to spectators.")
    other_block = SimpleNamespace(text="Comments are closed. Sign in to read more about the regatta season.\n"
                                       "Harbour Notes is published by the Dunmere Sailing Trust.")
    assert better_of(one_post, feed, POSTS_PAGE, "small_share") is feed
    assert better_of(one_post, other_block, POSTS_PAGE, "small_share") is one_post  # another block, not more story


def test_a_guide_whose_items_the_precise_pass_left_gets_them_back():
    first = _trafilatura(GUIDE_PAGE, None, favor_precision=True)
    assert "night boat takes three hours" not in first.text  # the precise pass keeps the introduction alone
    assert guard_reason(first.text, GUIDE_PAGE) is None  # and neither older guard doubts it
    assert shows_more_words(first.text, shown_words(parse_page(GUIDE_PAGE)))
    text = clean_html_page(GUIDE_PAGE)["text"]
    for item in ("night boat takes three hours", "puffin colony", "Bicycles travel free", "last coal-fired boat"):
        assert item in text
    assert "Ten harbour cafés" not in text and "About us" not in text  # the aside's and the menu's links stay out


def test_the_words_a_page_shows_leave_out_its_menus_links_and_asides():
    tree = parse_page('''<html><body><nav>Home News Sport Weather</nav><p>The quay reopens on Monday morning.</p>
        <p>Read <a href="/x">the harbour office notice</a> first.</p><aside>Most read this week</aside>
        <script>var counter = 1;</script></body></html>''')
    assert shown_words(tree) == 8  # "The quay reopens on Monday morning" and "Read ... first", not the link
    assert shown_words(None) == 0


GUIDE_INTRO = ("The Valdora coast has more ferry crossings than any other stretch of the northern sea.\n"
               "We sailed on every one of them last summer.")


def test_the_balanced_pass_is_taken_only_where_it_extends_the_story_with_its_subject():
    intro = SimpleNamespace(text=GUIDE_INTRO)
    items = SimpleNamespace(text=GUIDE_INTRO + "\nThe harbour shuttle crosses in twelve minutes.\n"
                                 "The night boat to Kessel Island takes three hours; a cabin costs forty crowns.\n"
                                 "The car ferry to Little Vane carries bicycles free on weekdays.\n"
                                 "The cliff route to Orsa passes the puffin colony under the headland in fifty minutes.\n"
                                 "The lake steamer at Tarn Head is the last coal-fired boat on the coast.")
    assert fuller_of(intro, items, GUIDE_PAGE) is items
    # the first text's furniture (an update line, a reading time) that the balanced pass leaves out does not
    # make the items another block
    furnished = SimpleNamespace(text="Updated March 3 • Eight minute read • Share this guide\n" + GUIDE_INTRO)
    assert fuller_of(furnished, items, GUIDE_PAGE) is items
    # excerpts of the site's other posts: more words, the same opening, but about other things
    others = SimpleNamespace(text=GUIDE_INTRO + "\nTen harbour cafés worth the walk, from the quay to the old mill.\n"
                                  "Where to stay in Orsa when the festival fills the town in June.\n"
                                  "A winter weekend of lamplit markets and mulled cider in Tarrow.")
    assert fuller_of(intro, others, GUIDE_PAGE) is intro
    # about the subject, but not twice the words: the precise pass had the story's bulk already
    a_little_more = SimpleNamespace(text=GUIDE_INTRO + "\nOur pick: the harbour shuttle and the night boat to Kessel "
                                                       "Island, the best crossings on the Valdora coast.")
    assert fuller_of(intro, a_little_more, GUIDE_PAGE) is intro
    assert fuller_of(intro, None, GUIDE_PAGE) is intro


def test_a_table_row_is_story_and_a_menu_is_chrome():
    assert not is_chrome("| 2 | Harbour shuttle | twelve minutes | two crowns |")
    assert is_chrome("Home | Travel | Food | About us")


TWICE_PAGE = (FIXTURES / "twice_page.html").read_text(encoding="utf-8")  # the story in a screen and a print copy
PULL_QUOTE = "The children had spent the weeks of repairs in the island's chapel hall."


def test_a_story_printed_twice_is_kept_once():
    first = _trafilatura(TWICE_PAGE, None, favor_precision=True)
    assert first.text.count("Forty-two pupils came back") == 2  # the extractor reads both copies
    text = clean_html_page(TWICE_PAGE)["text"]
    assert text.count("Forty-two pupils came back") == 1
    assert text.count("A sea wall behind the playground") == 1
    assert "ferry timetable for the school run" in text  # what follows the second copy stays


def test_only_a_run_of_repeated_paragraphs_is_a_second_copy():
    story = [f"Paragraph {n} of the harbour story tells what the council decided on day {n}." for n in range(6)]
    # a second rendering: a run of REPEATED_RUN long paragraphs seen before, with a heading seen before inside it
    first = [story[0], "Harbour news", *story[1:]]
    printed = [*first, *first[:REPEATED_RUN], "Photo: Maren Holt", first[REPEATED_RUN],
               "The ferry timetable is on the council's page."]
    assert without_repeated_runs(printed) == [*first, "Photo: Maren Holt", "The ferry timetable is on the council's page."]
    # a pull quote repeats one paragraph, a short run repeats fewer than REPEATED_RUN: both stay
    quoted = [story[0], PULL_QUOTE, story[1], PULL_QUOTE, story[2]]
    assert without_repeated_runs(quoted) == quoted
    short_run = [*story, *story[:REPEATED_RUN - 1]]
    assert without_repeated_runs(short_run) == short_run
    # a short line repeated on its own ("Share this story") is not a run
    shares = ["Share this story", *story[:2], "Share this story"]
    assert without_repeated_runs(shares) == shares


FARES = ("The harbour shuttle runs every twenty minutes from the old quay and is the cheapest of the crossings.\n"
         "The night boat to Kessel Island leaves at eleven and docks before the first ferry of the morning.\n"
         "Valdora's coast card covers every crossing for a week, island boats included, and pays for itself in "
         "three trips; children under twelve travel on it free, and dogs on a lead ride on the open deck.")


def test_the_recall_pass_is_taken_only_where_it_adds_a_part_of_the_story():
    intro = SimpleNamespace(text=GUIDE_INTRO + "\nThis year's fares, crossing by crossing, are below.")
    with_fares = SimpleNamespace(text=intro.text + "\n" + FARES)
    assert count_words(FARES) >= RECALL_MIN_ADDED
    assert recalled_of(intro, with_fares, GUIDE_PAGE) is with_fares
    # a standfirst: on the subject, but a line, not a section the first text left
    standfirst = SimpleNamespace(text="The best crossings on the Valdora coast, from the harbour shuttle to the "
                                      "night boat.\n" + intro.text)
    assert recalled_of(intro, standfirst, GUIDE_PAGE) is intro
    # a gallery: the same captions again and again
    caption = "The night boat to Kessel Island leaves the Valdora harbour at eleven, with the ferry crew on deck."
    gallery = SimpleNamespace(text=intro.text + "\n" + "\n".join([caption, "Image 1 of 4"] * 4))
    assert recalled_of(intro, gallery, GUIDE_PAGE) is intro
    # other posts' excerpts: as long, but about other things
    posts = SimpleNamespace(text=intro.text + "\nTen cafés worth the walk in Orsa, where the old mill serves cider "
                                 "by the jug and the bakery opens at six.\nA winter weekend of lamplit markets in "
                                 "Tarrow, with mulled wine, roast chestnuts and a choir on the steps of the town "
                                 "hall every evening until the new year.")
    assert recalled_of(intro, posts, GUIDE_PAGE) is intro
    assert recalled_of(intro, None, GUIDE_PAGE) is intro


def test_later_passes_take_the_first_pass_metadata_and_extract_the_same_text():
    """A page's metadata is read once: the balanced pass, run after the precise one, extracts the text alone
    (the guide's slides, which the precise pass left) and carries the precise pass's title, description and
    site, as a full run of that pass would."""
    url = "https://valdora-coast.example/guides/ferry-crossings"
    run = passes_of(GUIDE_PAGE, url)
    first, later = run(favor_precision=True), run(fast=False)
    whole = _trafilatura(GUIDE_PAGE, url, fast=False)  # text and metadata in one run
    assert later.text == whole.text and later.text != first.text
    for field in ("title", "author", "date", "sitename", "url", "hostname", "description"):
        assert getattr(later, field) == getattr(whole, field) == getattr(first, field), field
    assert later.title == "The best ferry crossings on the Valdora coast"
    assert run(fast=False) is later  # each configuration runs once a page

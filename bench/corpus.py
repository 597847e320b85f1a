"""A reproducible synthetic news corpus for the performance bench.

    python -m bench.corpus 2000                 # -> bench/out/corpus-2000/ (html/ and text/)
    python -m bench.corpus 20000 --out /tmp/c --seed 7

Every article is fictional: outlets, people, places and events come from the pools below and
are combined at random.  Articles are 300 to 1,200 words in paragraphs, with direct quotes in
several attribution forms, indirect speech, pronoun follow-ups, and page chrome around the body
(navigation, share bars, cookie notices, related-story lists, comment forms, shortcodes,
footers).  About 60% are HTML pages with metadata, 40% plain text.  5% are near-duplicates: an
earlier article re-published by another outlet with one sentence changed and its own chrome.

The same (N, seed) always gives byte-identical files.  The output is never committed
(``bench/out/`` is ignored by git).
"""
from __future__ import annotations

import argparse
import html
import random
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

from bench._shared import OUT

FIRST = """Adela Bram Corin Dalia Emrys Faye Gideon Halia Ivo Jessa Kael Liora Maren Nico Odile Pavel Quilla
Rosalind Soren Tamsin Ulric Vesna Wendell Xandra Yorick Zelda Ansel Brielle Cassius Delphine Evander Fenna Gareth
Hesper Isolde Jorah Katya Lucan Mireille Nestor Orla Perrin Rhea Silas Thea Uriel Verity Wystan Yara Zoran Agnes
Bastian Celeste Dorian Elva Florian Greta Hollis Ines Jasper""".split()
LAST = """Abernethy Brackwell Calloway Dunmore Ellery Farrow Galloway Hartigan Ingram Jessop Kilbride Lockhart
Marchetti Norwood Oakhurst Pendry Quennell Ravensdale Stroud Thackeray Underhill Varga Whitlock Yardley Zellner
Ashgrove Blackwood Castellan Drummond Everly Fairbanks Greaves Holloway Iverson Jardine Kessler Langridge Mortimer
Nettleford Ormsby Pemberton Quarry Rutherford Sallow Tremaine Ulverton Vance Winterbourne Yeates Ashby Brennard
Corvell Delacroix Estrin Falkner Grisham Hawthorne Ilsley Juniper Kestrel Lindqvist Moravec Nordahl Ostrander
Pellham Quist Rainsford Sorensen Talbot Umberfield Vickery Wexley""".split()
PLACES = """Valdora Kestria Dunmere Northgate Ravenmoor Saltmarsh Eldercliff Brannock Thornbury Westhollow
Carrowmere Ashvale Lindenport Marrowick Greyhaven Stonebridge Harrowfield Oakmere Fallowmede Quillon""".split()
ORG_KINDS = ["Port Authority", "Workers Union", "Ministry of Transport", "Chamber of Commerce", "Institute",
             "Rail Company", "Health Trust", "Energy Board", "Water Commission", "Teachers Federation",
             "Farmers Cooperative", "Shipping Group", "University", "City Council", "Maritime Agency"]
ROLES = ["spokesman", "spokeswoman", "minister", "mayor", "chief executive", "union leader", "director",
         "chairwoman", "analyst", "professor", "councillor", "harbour master", "economist"]
OUTLETS = [("The Dunmere Ledger", "dunmereledger.example"), ("Kestria Today", "kestriatoday.example"),
           ("Harbor Watch", "harborwatch.example"), ("Northgate Courier", "northgatecourier.example"),
           ("Valdora Evening Post", "valdorapost.example"), ("Saltmarsh Gazette", "saltmarshgazette.example"),
           ("Greyhaven Herald", "greyhavenherald.example"), ("Lindenport Chronicle", "lindenport.example")]
TOPICS = ["port strike", "rail fares", "hospital funding", "school closures", "flood defences", "energy prices",
          "fishing quotas", "housing plan", "bridge repairs", "water rationing", "trade talks", "airport expansion",
          "budget vote", "wind farm", "teacher pay", "bus routes", "grain exports", "tourism season"]
VERBS_PAST = ["announced", "rejected", "approved", "delayed", "criticised", "defended", "proposed", "postponed",
              "welcomed", "questioned", "reviewed", "expanded", "cut", "doubled", "suspended", "endorsed"]
NOUNS = ["the plan", "the proposal", "the budget", "the agreement", "the new rules", "the contract", "the report",
         "the decision", "the tender", "the timetable", "the pay offer", "the inquiry", "the subsidy", "the levy",
         "the merger", "the reform", "the settlement", "the review", "the pilot scheme", "the new terminal"]
WHEN = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "at the weekend", "last week",
        "earlier this month", "late on Sunday", "this morning", "after a long meeting", "in a statement"]
ADJ = ["difficult", "fair", "expensive", "overdue", "reckless", "sensible", "uncertain", "ambitious", "modest",
       "urgent", "costly", "encouraging", "disappointing", "unprecedented", "temporary", "realistic"]
FACT_NOUNS = ["passengers", "households", "workers", "families", "vessels", "students", "patients", "farmers",
              "businesses", "residents", "drivers", "visitors", "tonnes of cargo", "homes", "jobs", "beds"]
QUOTE_BITS = [
    "We have done everything we can to keep {n} {f} safe, and we will keep doing it",
    "This is a {a} moment for {p} and nobody should pretend otherwise",
    "The figures speak for themselves: {n} {f} cannot wait another year",
    "I think {o} has made a {a} choice, and the people of {p} will pay for it",
    "Our members are ready to talk, but not to accept {x}",
    "Nobody in {p} wanted this, least of all the {f} who depend on it",
    "We will study {x} carefully before we say anything more",
    "It is {a}, it is late, and it is still better than nothing",
    "If {o} wants our support, it has to come to the table with a real offer",
    "There is no money left for {x} unless someone else pays",
    "The next two weeks will decide whether {p} keeps its {f}",
    "We warned about this in {y}, and we were ignored",
]
CHROME_TEXT_TOP = ["Follow us on: Facebook Twitter Instagram", "Subscribe to {outlet} for daily news",
                   "Home | News | Business | Sport | Opinion", "Menu Search Sign in"]
CHROME_TEXT_BOTTOM = [
    "Share this:\nTwitter\nFacebook\nEmail",
    "[adrotate group=\"{k}\"]",
    "Related stories\n{rel}",
    "Leave a Reply\nYour email address will not be published. Required fields are marked *\nComment\nName *\nEmail *",
    "This site uses cookies to analyse traffic. By continuing you accept our cookie policy.",
    "Powered by WordPress | Privacy Policy | Contact us",
]


class Writer:
    """One article's words, from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST), self.rng.choice(LAST)

    def org(self, place: str) -> str:
        return f"{place} {self.rng.choice(ORG_KINDS)}"

    def fill(self, text: str, ctx: dict) -> str:
        r = self.rng
        return text.format(n=r.randint(2, 950) * 10, f=r.choice(FACT_NOUNS), a=r.choice(ADJ), p=ctx["place"],
                           o=ctx["org"], x=r.choice(NOUNS), y=r.randint(2015, 2025))

    def fact(self, ctx: dict) -> str:
        r = self.rng
        first, last = ctx["people"][r.randrange(len(ctx["people"]))]
        forms = [
            f"The {ctx['org']} {r.choice(VERBS_PAST)} {r.choice(NOUNS)} {r.choice(WHEN)}, a move that affects about "
            f"{r.randint(2, 900) * 10} {r.choice(FACT_NOUNS)} in {ctx['place']}.",
            f"Officials in {r.choice(PLACES)} {r.choice(VERBS_PAST)} {r.choice(NOUNS)} {r.choice(WHEN)} after "
            f"{r.randint(2, 40)} months of talks over the {ctx['topic']}.",
            f"{first} {last}, who has led the {self.org(r.choice(PLACES))} since {r.randint(2008, 2024)}, "
            f"{r.choice(VERBS_PAST)} {r.choice(NOUNS)} {r.choice(WHEN)}.",
            f"According to figures from the {self.org(r.choice(PLACES))}, {r.randint(2, 99)} percent of "
            f"{r.choice(FACT_NOUNS)} in {ctx['place']} were affected by the {ctx['topic']} by the end of "
            f"{r.choice(['January', 'February', 'March', 'April', 'May', 'June'])}.",
            f"The dispute over the {ctx['topic']} began in {r.randint(2019, 2025)}, when the "
            f"{ctx['org']} {r.choice(VERBS_PAST)} {r.choice(NOUNS)} and {r.choice(VERBS_PAST)} {r.choice(NOUNS)}.",
            f"Critics say {r.choice(NOUNS)} is {r.choice(ADJ)}, while supporters call it {r.choice(ADJ)} and "
            f"point to {r.randint(2, 90)} similar schemes in {r.choice(PLACES)} and {r.choice(PLACES)}.",
            f"A vote on {r.choice(NOUNS)} is expected {r.choice(WHEN)}, and the {self.org(ctx['place'])} has "
            f"asked for {r.randint(2, 60)} million crowns to cover the cost.",
        ]
        return r.choice(forms)

    def quote_paragraph(self, ctx: dict) -> str:
        r = self.rng
        first, last = ctx["people"][r.randrange(len(ctx["people"]))]
        role = r.choice(ROLES)
        q1 = self.fill(r.choice(QUOTE_BITS), ctx)
        q2 = self.fill(r.choice(QUOTE_BITS), ctx)
        org = self.org(r.choice(PLACES))
        forms = [
            f"“{q1},” {first} {last} said {r.choice(WHEN)}. “{q2}.”",
            f"“{q1},” said {org} {role} {first} {last}.",
            f"{first} {last} told {ctx['outlet']}: “{q1}.”",
            f"“{q1},” {role} {last} said. “{q2},” {'she' if first in SHE else 'he'} added.",
            f"{last} said that {r.choice(NOUNS)} was {r.choice(ADJ)} and that the {ctx['org']} would "
            f"{r.choice(['review', 'appeal', 'fund', 'block'])} it {r.choice(WHEN)}.",
            f"The {role}, {first} {last}, said the {ctx['topic']} had become “{r.choice(ADJ)}” and called for "
            f"talks {r.choice(WHEN)}.",
        ]
        return r.choice(forms)

    def body(self, ctx: dict, words: int) -> list[str]:
        r = self.rng
        paras, n = [], 0
        while n < words:
            if r.random() < 0.4:
                p = self.quote_paragraph(ctx)
            else:
                p = " ".join(self.fact(ctx) for _ in range(r.randint(1, 3)))
            paras.append(p)
            n += len(p.split())
        return paras


SHE = set("Adela Dalia Faye Halia Jessa Liora Maren Odile Quilla Rosalind Tamsin Vesna Xandra Zelda Brielle Delphine "
          "Fenna Hesper Isolde Katya Mireille Orla Rhea Thea Verity Yara Agnes Celeste Elva Greta Ines".split())


def make_article(rng: random.Random, i: int) -> dict:
    w = Writer(rng)
    place = rng.choice(PLACES)
    outlet, domain = rng.choice(OUTLETS)
    ctx = {"place": place, "org": w.org(place), "topic": rng.choice(TOPICS), "outlet": outlet,
           "people": [w.person() for _ in range(rng.randint(2, 5))]}
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(180))
    title = f"{ctx['org']} {rng.choice(VERBS_PAST)} {rng.choice(NOUNS)} as {ctx['topic']} row deepens"
    title = title[0].upper() + title[1:]
    author = " ".join(w.person())
    return {"i": i, "title": title, "outlet": outlet, "domain": domain, "day": day, "author": author,
            "paras": w.body(ctx, rng.randint(300, 1200)), "topic": ctx["topic"], "place": place}


def near_duplicate(rng: random.Random, original: dict, i: int) -> dict:
    """The original re-published elsewhere: another outlet, one sentence changed, a new headline."""
    outlet, domain = rng.choice([o for o in OUTLETS if o[0] != original["outlet"]])
    paras = list(original["paras"])
    k = rng.randrange(len(paras))
    paras[k] = Writer(rng).fact({"place": original["place"], "org": f"{original['place']} City Council",
                                 "topic": original["topic"], "outlet": outlet, "people": [("Ansel", "Quist")]})
    return {**original, "i": i, "outlet": outlet, "domain": domain, "paras": paras,
            "title": original["title"].replace(" as ", ", while ", 1), "day": original["day"] + timedelta(days=1)}


def related(rng: random.Random) -> list[str]:
    return [f"{rng.choice(PLACES)} {rng.choice(ORG_KINDS)} {rng.choice(VERBS_PAST)} {rng.choice(NOUNS)}"
            for _ in range(rng.randint(3, 6))]


def render_html(rng: random.Random, a: dict) -> str:
    e = html.escape
    slug = "-".join(a["title"].lower().split()[:6])
    rel = "".join(f"<li><a href=\"/news/{k}\">{e(t)}</a></li>" for k, t in enumerate(related(rng)))
    body = "\n".join(f"    <p>{e(p, quote=False)}</p>" for p in a["paras"])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(a['title'])} | {e(a['outlet'])}</title>
<meta property="og:title" content="{e(a['title'])}">
<meta property="og:site_name" content="{e(a['outlet'])}">
<meta name="author" content="{e(a['author'])}">
<meta property="article:published_time" content="{a['day'].isoformat()}T{rng.randint(6, 20):02d}:{rng.randint(0, 59):02d}:00+00:00">
<link rel="canonical" href="https://{a['domain']}/news/{a['day']:%Y/%m/%d}/{slug}-{a['i']}">
</head>
<body>
<div class="cookie-notice">We use cookies to improve your experience. <a href="/privacy">Privacy Policy</a> <button>Accept</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav></header>
<main>
<article>
  <h1>{e(a['title'])}</h1>
  <p class="byline">By <span class="author">{e(a['author'])}</span> | <time datetime="{a['day'].isoformat()}">{a['day']:%B} {a['day'].day}, {a['day'].year}</time></p>
  <div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> <a href="#">Email</a></div>
  <div class="article-body">
{body}
  </div>
</article>
<aside class="related"><h2>Related stories</h2><ul>{rel}</ul></aside>
<section class="newsletter">Sign up for our newsletter and never miss a story.</section>
</main>
<footer><p>&copy; {a['day'].year} {e(a['outlet'])}. All rights reserved.</p><a href="/privacy">Privacy Policy</a></footer>
</body>
</html>
"""


def render_text(rng: random.Random, a: dict) -> str:
    top = rng.choice(CHROME_TEXT_TOP).format(outlet=a["outlet"])
    bottom = [c.format(k=rng.randint(1, 20), rel="\n".join(related(rng)))
              for c in rng.sample(CHROME_TEXT_BOTTOM, rng.randint(2, 4))]
    dateline = f"{a['day']:%B} {a['day'].day}, {a['day'].year}"
    return "\n\n".join([top, a["title"], f"By {a['author']}", dateline, *a["paras"], *bottom]) + "\n"


def generate(n: int, out: Path, seed: int = 1, dup_rate: float = 0.05) -> dict:
    """Write N articles under ``out`` (html/ and text/); return counts."""
    if out.exists():
        shutil.rmtree(out)
    (out / "html").mkdir(parents=True)
    (out / "text").mkdir(parents=True)
    rng = random.Random(seed)
    made: list[dict] = []
    counts = {"articles": 0, "near_duplicates": 0, "html": 0, "text": 0, "words": 0}
    for i in range(n):
        if made and rng.random() < dup_rate:
            a = near_duplicate(rng, rng.choice(made[-500:]), i)
            counts["near_duplicates"] += 1
        else:
            a = make_article(rng, i)
            made.append(a)
        counts["articles"] += 1
        counts["words"] += sum(len(p.split()) for p in a["paras"])
        name = f"{a['domain'].split('.')[0]}-{a['day'].isoformat()}-{i:06d}"
        if rng.random() < 0.6:
            (out / "html" / f"{name}.html").write_text(render_html(rng, a), encoding="utf-8")
            counts["html"] += 1
        else:
            (out / "text" / f"{name}.txt").write_text(render_text(rng, a), encoding="utf-8")
            counts["text"] += 1
    return counts


def corpus_dir(n: int, seed: int = 1) -> Path:
    return OUT / (f"corpus-{n}" + ("" if seed == 1 else f"-s{seed}"))


def ensure(n: int, seed: int = 1) -> Path:
    """The corpus of (n, seed) under bench/out, generated once (a marker file records it is complete)."""
    out = corpus_dir(n, seed)
    if not (out / ".complete").exists():
        generate(n, out, seed)
        (out / ".complete").write_text("ok\n")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of articles")
    ap.add_argument("--out", type=Path, help="output folder (default bench/out/corpus-N)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    out = args.out or corpus_dir(args.n, args.seed)
    t0 = time.perf_counter()
    counts = generate(args.n, out, args.seed)
    (out / ".complete").write_text("ok\n")
    dt = time.perf_counter() - t0
    print(f"{out}: {counts['articles']} articles ({counts['html']} HTML, {counts['text']} text, "
          f"{counts['near_duplicates']} near-duplicates), {counts['words']:,} body words, {dt:.1f}s")


if __name__ == "__main__":
    main()

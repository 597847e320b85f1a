"""Every reason a row can be dropped, and the one constructor of a ``rejects`` row.

A stage never drops an input silently: it makes a rejects row with ``reject(...)``.  The reason must be
one of ``REASONS``, so the list below (rendered in the README by ``newsloom.interfaces.contract``) is complete.
"""
from __future__ import annotations

REASONS: dict[str, tuple[str, str]] = {
    # reason: (stage, what it means)
    "unsupported_type": ("fetch", "a file type or media type newsloom does not read (images, PDFs, ...)"),
    "unsupported_scheme": ("fetch", "a URL that is not http(s), or a URL-list line that is not a URL"),
    "invalid_url": ("fetch", "an http(s) address that does not parse (\"http://[desk/\"), given or listed"),
    "too_large": ("fetch, extract", "over max_bytes (also after decompression), or too long for the NLP model"),
    "read_error": ("fetch", "the file could not be read (permissions, I/O error)"),
    "decode_error": ("fetch, clean", "damaged gzip or WARC data, or bytes that fit no text encoding"),
    "invalid_json": ("fetch, clean", "a JSONL line that is not JSON"),
    "missing_text": ("fetch, clean", "a JSONL line without a text field"),
    "invalid_field": ("fetch, clean", "a JSONL line whose url, title, author, published_at, source or site is not a string"),
    "http_error": ("fetch", "the server answered with an error status (the detail starts with it)"),
    "timeout": ("fetch", "the server did not answer within the timeouts"),
    "connect_error": ("fetch", "no connection could be made (DNS, refused, TLS)"),
    "fetch_failed": ("fetch", "any other failure of a request"),
    "robots_disallowed": ("fetch", "robots.txt forbids the URL"),
    "private_address": ("fetch", "a discovered URL pointing at a private, loopback or link-local address"),
    "redirect_loop": ("fetch", "more redirects than max_redirects, or a loop"),
    "invalid_feed": ("fetch", "a feed or sitemap that cannot be parsed, or XML with entity declarations"),
    "too_many_urls": ("fetch", "a feed or sitemap listing more than max_urls_per_source URLs (the rest are cut)"),
    "too_deep": ("fetch", "a sitemap nested more levels below its source than allowed"),
    "empty_text": ("clean", "nothing left after removing page chrome, or an empty input"),
    "binary_content": ("clean", "the content is binary, not text"),
    "parse_error": ("clean", "the HTML could not be parsed"),
    "too_short": ("clean", "fewer story words than min_words"),
    "extraction_timeout": ("clean", "the page took longer than page_timeout in the extractor"),
    "extraction_crashed": ("clean", "the extractor's child process died on the page"),
    "unsupported_language": ("extract", "the article's language is not among the run's ``languages`` setting"),
    "no_model_for_language": ("extract", "no spaCy model serves the article's language: no mentions, no quotes "
                              "(the detail names the language and the package that would serve it)"),
    "no_lexicon_for_language": ("extract", "a model serves the language but newsloom has no lexicon file for it: "
                                "mentions are extracted, quotes are not (the detail names the file to add)"),
}

STAGES = ("fetch", "clean", "deduplicate", "extract")


def reject(stage: str, source: str, reason: str, detail: str | None, run_id: str, doc_id: str | None = None) -> dict:
    """A rejects row; raises ValueError for a stage or reason that is not documented above."""
    if reason not in REASONS:
        raise ValueError(f"undocumented reject reason {reason!r}: add it to newsloom.rejects.REASONS")
    if stage not in STAGES:
        raise ValueError(f"unknown reject stage {stage!r}")
    return {"source": source, "doc_id": doc_id, "stage": stage, "reason": reason, "detail": detail,
            "run_id": run_id}

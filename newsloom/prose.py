"""Which lines of an article are running text: the language is decided on them, and a table line is not
read for names the way a sentence is."""
from __future__ import annotations


def is_prose(line: str) -> bool:
    """A line of running text, not a line of a table or a heading: at least four words, fewer than 30% of
    them holding digits (results, standings, prices), and not set in capitals (headlines, datelines,
    column headers).  A language identifier reads names, numbers and abbreviations as any language."""
    words = line.split()
    # scripts written without spaces (Chinese, Japanese): two of their characters count as a word
    n = max(len(words), sum(1 for c in line if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff") // 2)
    if n < 4 or sum(any(c.isdigit() for c in w) for w in words) >= 0.3 * len(words):
        return False
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) < 0.8 * len(letters)

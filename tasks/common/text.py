"""Text helpers shared by the stages."""
from __future__ import annotations

import re

WORDS = re.compile(r"\w+", re.UNICODE)


def word_shingles(text: str, k: int) -> frozenset[str]:
    """Every run of ``k`` consecutive words of ``text``, lowercased and joined by one space (the whole text
    as one shingle where it has fewer words): what near-duplicate detection and quote clustering compare."""
    words = WORDS.findall(text.lower())
    if len(words) < k:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + k]) for i in range(len(words) - k + 1))

"""What a process keeps for its whole life, kept out of the cyclic garbage collector's way.

A worker loads its models once (the spaCy pipeline, the gazetteer's name index, the quote tagger) and
keeps them.  Python's cyclic collector nevertheless walks every object it tracks on each full collection,
and these hold hundreds of thousands of containers: after the models are loaded, one full collection took
0.2 s (docs/benchmarks.md), and a run that allocates enough to trigger one paid that in the middle of
a stage.  ``gc.freeze`` moves every object alive at that moment to a permanent generation that later
collections skip, as Instagram's and CPython's own documentation describe for long-lived processes.

Frozen objects are still freed by reference counting when the last reference goes; only a reference cycle
that was alive at a freeze is never collected.  A freeze follows a model load, which happens once per
model and process, so that is bounded.
"""
from __future__ import annotations

import gc
from typing import TypeVar

T = TypeVar("T")


def kept_for_the_process(loaded: T) -> T:
    """``loaded`` (a model just loaded, to be kept for the process's life), after every object alive now is
    moved out of the cyclic collector's full collections (``gc.freeze``)."""
    gc.freeze()
    return loaded

"""Fault injection for the crash tests, from outside the product: the tests put this folder on PYTHONPATH,
so Python imports this module at start-up in the CLI process and in every Dask worker it starts.

With NEWSLOOM_FAULT_AT set, it wraps one method of the store so that the process, right after the named
point, writes the file NEWSLOOM_FAULT_MARKER and waits to be killed:

- ``fetch``: the first documents part is staged;
- ``entity-extract``: a quotes part is staged by the extract stage;
- ``commit``: two parts of the commit have been moved into place (the rest are still staged);
- ``aggregate``: two aggregates have been replaced (the others are still the old ones).
"""
import os

POINT = os.environ.get("NEWSLOOM_FAULT_AT")


def _stop() -> None:
    import time
    from pathlib import Path

    Path(os.environ["NEWSLOOM_FAULT_MARKER"]).write_text(POINT)
    time.sleep(600)


def _after(cls, name: str, when) -> None:
    original = getattr(cls, name)
    calls = {"n": 0}

    def wrapped(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls["n"] += 1
        if when(calls["n"], args):
            _stop()
        return result

    setattr(cls, name, wrapped)


if POINT:
    from newsloom.storage import Store

    if POINT == "fetch":
        _after(Store, "stage_part", lambda n, args: args[1] == "documents")
    elif POINT == "entity-extract":
        _after(Store, "stage_part", lambda n, args: args[1] == "quotes")
    elif POINT == "commit":
        _after(Store, "_move", lambda n, args: n == 2)
    elif POINT == "aggregate":
        _after(Store, "replace_aggregate", lambda n, args: n == 2)
    else:
        raise SystemExit(f"unknown NEWSLOOM_FAULT_AT {POINT!r}")

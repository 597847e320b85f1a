"""Fault injection for the crash tests, from outside the product: the tests put this folder on PYTHONPATH,
so Python imports this module at start-up in the CLI process and in every Dask worker it starts.

With NEWSLOOM_FAULT_AT set, it wraps one method of the store so that the process, right after the named
point, writes the file NEWSLOOM_FAULT_MARKER and waits to be killed:

- ``fetch``: the first documents part is staged;
- ``entity-extract``: a quotes part is staged by the extract stage;
- ``commit``: two parts of the commit have been moved into place (the rest are still staged);
- ``aggregate``: two aggregates have been replaced (the others are still the old ones).

and, for ``newsloom compact``, at each step of its commit:

- ``compact-stage``: the first merged file is staged;
- ``compact-intent``: the intent is written (nothing moved yet);
- ``compact-move``: two merged files have been moved into place (the rest are still staged);
- ``compact-manifest``: the manifest is written (no merged part deleted yet);
- ``compact-retire``: two merged parts have been deleted (the rest are still there);
- ``compact-fold``: the checkpoint is written (the manifests it folds are still there).
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


def _is_manifest(path) -> bool:
    return "_manifests" in str(path) and "_checkpoint" not in str(path)


# point -> (the Store method after which the process stops, when: (calls so far, its arguments) -> bool)
POINTS = {
    "fetch": ("stage_part", lambda n, args: args[1] == "documents"),
    "entity-extract": ("stage_part", lambda n, args: args[1] == "quotes"),
    "commit": ("_move", lambda n, args: n == 2),
    "aggregate": ("replace_aggregate", lambda n, args: n == 2),
    "compact-stage": ("stage_part", lambda n, args: n == 1),
    "compact-intent": ("write_json", lambda n, args: str(args[0]).endswith("_commit.json")),
    "compact-move": ("_move", lambda n, args: n == 2),
    "compact-manifest": ("write_json", lambda n, args: _is_manifest(args[0])),
    "compact-retire": ("_retire", lambda n, args: n == 2),
    "compact-fold": ("write_json", lambda n, args: str(args[0]).endswith("_checkpoint.json")),
}

if POINT:
    from newsloom.storage import Store

    if POINT not in POINTS:
        raise SystemExit(f"unknown NEWSLOOM_FAULT_AT {POINT!r}")
    _after(Store, *POINTS[POINT])

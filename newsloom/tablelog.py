"""The output root's log: which part files each fact table holds, as the manifests say, and the checkpoint
that folds old manifests into one file.

Every commit (a run, a compaction) writes one manifest, ``_manifests/<id>.json``: the files it added to the
tables, the files it removed from them (a compaction's merged parts) and its summary.  A fact table's
committed parts are the files the log added, less the files it removed.  newsloom's own readers
(``Store.read_table``, ``newsloom sql``, the stages, the report) list parts this way, not from the table
folder, so a reader in the middle of a compaction sees the table before it or after it: the compaction moves
its merged files in, writes its manifest (the moment the table changes for these readers), and only then
deletes the parts it merged.

The checkpoint, ``_manifests/_checkpoint.json``, folds every manifest there was when it was written: the
committed files of every table, and each run's id, kind and summary (for ``runs.parquet``).  It is written
whole (a rename locally, one PUT on an object store); the manifests it folded are deleted after it.  It
names the manifests it folded (``covers``), so a manifest that a crash left behind is not counted twice.
A root with no manifest and no checkpoint (written by hand, or copied without ``_manifests/``) has no log:
its committed parts are the files in the table folders.
"""
from __future__ import annotations

import posixpath

CHECKPOINT = "_checkpoint.json"
CHECKPOINT_VERSION = 1
_EMPTY = {"version": CHECKPOINT_VERSION, "covers": [], "files": [], "runs": []}

# Per process: manifests by path.  The files a manifest added and removed never change once it is written
# (``update_manifest`` changes only its summary), so the log is read once per manifest, not once per listing;
# on an object store that saves a GET per manifest for every table a stage reads.
_COMMITTED_FILES: dict[str, tuple[frozenset, frozenset]] = {}
_CHECKPOINTS: dict[str, tuple[object, dict]] = {}


class TableLog:
    """The log methods of a Store (which provides fs, remote, _join, _show, _strip, _list, _remove,
    read_json and write_json)."""

    def manifest_path(self, run_id: str) -> str:
        return self._show(self._join("_manifests", f"{run_id}.json"))

    def checkpoint_path(self) -> str:
        return self._show(self._join("_manifests", CHECKPOINT))

    def _manifest_paths(self) -> list[str]:
        """The manifests not yet folded away, in id order (the checkpoint is not one)."""
        return [p for p in self._list(self._join("_manifests"), "*.json")
                if not posixpath.basename(self._strip(p)).startswith("_")]

    @staticmethod
    def _id_of(path: str) -> str:
        return posixpath.basename(str(path))[:-len(".json")]

    def checkpoint(self) -> dict:
        """The checkpoint (an empty one where none was written), read again only when it changed."""
        path = self._strip(self.checkpoint_path())
        try:
            info = self.fs.info(path)
        except FileNotFoundError:
            return _EMPTY
        stamp = (info.get("size"), info.get("mtime"), info.get("ETag"), info.get("LastModified"))
        cached = _CHECKPOINTS.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, self.read_json(path))
            _CHECKPOINTS[path] = cached
        return cached[1]

    def _live_manifests(self, checkpoint: dict) -> list[str]:
        covered = set(checkpoint["covers"])
        return [p for p in self._manifest_paths() if self._id_of(p) not in covered]

    def _files_of(self, path: str) -> tuple[frozenset, frozenset]:
        key = self._strip(path)
        if key not in _COMMITTED_FILES:
            m = self.read_json(path)
            _COMMITTED_FILES[key] = (frozenset(m["files"]), frozenset(m.get("removed", ())))
        return _COMMITTED_FILES[key]

    def committed_files(self) -> set[str] | None:
        """``<table>/<file name>`` of every committed part, as the log says; None for a root with no log."""
        checkpoint = self.checkpoint()
        live = self._live_manifests(checkpoint)
        if not live and checkpoint is _EMPTY:
            return None
        files, removed = set(checkpoint["files"]), set()
        for path in live:
            added, gone = self._files_of(path)
            files |= added
            removed |= gone
        return files - removed

    def manifests(self) -> list[dict]:
        """Every committed run and compaction, oldest first: the ones the checkpoint folded (id, kind and
        summary), then the manifests written since (whole)."""
        checkpoint = self.checkpoint()
        return [*checkpoint["runs"], *(self.read_json(p) for p in self._live_manifests(checkpoint))]

    def update_manifest(self, run_id: str, **summary_updates) -> None:
        path = self.manifest_path(run_id)
        manifest = self.read_json(path)
        manifest["summary"].update(summary_updates)
        self.write_json(path, manifest)

    def fold_manifests(self) -> int:
        """Write a checkpoint that folds every manifest, then delete them; return how many it folded.
        Call with the lock held."""
        old = self.checkpoint()
        paths = self._manifest_paths()
        fresh = [self.read_json(p) for p in paths if self._id_of(p) not in set(old["covers"])]
        if not fresh:
            return 0
        # union of what they added, less the union of what they removed: a file is added once and removed at
        # most once, so this holds in any order (two compactions in one second sort by their random suffix)
        files = set(old["files"]).union(*(m["files"] for m in fresh))
        files -= set().union(*(m.get("removed", ()) for m in fresh))
        leftovers = set(old["covers"]) & {self._id_of(p) for p in paths}  # an earlier fold that crashed
        runs = [*old["runs"], *({"run_id": m["run_id"], "kind": m.get("kind", "run"), "summary": m["summary"]}
                                for m in fresh)]
        self.write_json(self.checkpoint_path(), {"version": CHECKPOINT_VERSION, "files": sorted(files), "runs": runs,
                                                 "covers": sorted(leftovers | {m["run_id"] for m in fresh})})
        for p in paths:
            self._remove(self._strip(p))
        return len(fresh)

    def unfolded_manifests(self) -> int:
        """Manifests written since the checkpoint."""
        return len(self._live_manifests(self.checkpoint()))

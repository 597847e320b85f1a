"""The output root's single-writer lock, as the Store takes and gives it back (newsloom.storage.Store).

Locally ``_lock`` is held with flock, which the OS releases when the process dies.  On S3 it is a lease,
renewed while the run works and taken over once expired (newsloom.lease).  On any other object store it is
created with a conditional PUT (If-None-Match: ``*``), which fails for the second writer however close the
two are in time; ``newsloom unlock`` removes one a dead writer left.
"""
from __future__ import annotations

import errno
import fcntl
import os
import socket
from datetime import datetime, timezone

from newsloom.lease import LockedError, S3Lease


class WriterLock:
    """The lock methods of a Store (which provides root, remote, fs, url, lease_seconds, _join, _remove and
    the _lock_fh, _lock_owner and _lease fields)."""

    def acquire(self, run_id: str, what: str = "run") -> str | None:
        """Take the single-writer lock for ``what`` (a run, a compaction), or raise LockedError naming the
        holder.  Returns a note for the log when the lock was taken over from a writer whose lease expired."""
        holder = (f"{what} {run_id}, pid {os.getpid()} on {socket.gethostname()}, "
                  f"since {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
        if self.remote:
            return self._acquire_remote(holder)
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / "_lock", "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            other = fh.read().strip() or "unknown"
            fh.close()
            raise LockedError(
                f"another newsloom run is writing to {self.root} ({other}); wait for it to finish"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(holder + "\n")
        fh.flush()
        self._lock_fh = fh

    def _acquire_remote(self, holder: str) -> str | None:
        path = self._join("_lock")
        if hasattr(self.fs, "call_s3"):  # S3: a lease, renewed while the run works, taken over once expired
            self._lease = S3Lease(self.fs, path, self.url, holder, self.lease_seconds)
            try:
                return self._lease.acquire()
            except LockedError:
                self._lease = None
                raise
        try:
            with self.fs.open(path, "xb") as fh:  # a conditional PUT: If-None-Match: *
                fh.write((holder + "\n").encode())
        except FileExistsError:
            try:
                other = self.fs.cat_file(path).decode(errors="replace").strip() or "unknown"
            except FileNotFoundError:
                other = "it has just finished"
            raise LockedError(
                f"another newsloom run is writing to {self.url} ({other}); wait for it to finish. If that run "
                f"is known to be dead, remove the lock with: newsloom unlock {self.url}"
            ) from None
        self._lock_owner = holder

    def release(self) -> None:
        if self._lease is not None:
            lease, self._lease = self._lease, None
            lease.release()
            return
        if self.remote:
            if self._lock_owner is not None:
                self._lock_owner = None
                self._remove(self._join("_lock"))
            return
        if self._lock_fh is not None:
            fh, self._lock_fh = self._lock_fh, None
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    def break_lock(self) -> str | None:
        """Remove a lock left by a dead writer; return what it said, or None if there was none."""
        path = self._join("_lock")
        if not self.fs.exists(path):
            return None
        text = self.fs.cat_file(path).decode(errors="replace").strip()
        if not self.remote:
            self.acquire("unlock")  # a live local writer still holds flock: refuse
            self.release()
            return text or None
        self._remove(path)
        return text or "unknown"

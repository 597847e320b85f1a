"""The writer lock of an S3 output root: a lease that its holder renews, that another writer can take over
once it has expired, and that the holder checks before it commits (fencing).

The lock is one object, ``<root>/_lock``, holding JSON: who holds it, a random token, and when the lease
expires.  Every change is a conditional PUT, so two writers can never both believe they hold it:

- taking a free lock: PUT with ``If-None-Match: *`` (fails if the object exists);
- taking an expired lock, and renewing one's own: PUT with ``If-Match: <ETag of the lock as read>``
  (fails if anybody changed it since);
- a holder whose renewal fails has lost the lock; ``check()`` then raises ``LockLost``, and the store
  calls it before it writes the commit intent, so a writer that lost its lock never commits.

A lock written by a version before leases (plain text, no expiry) never expires: ``newsloom unlock``
removes it, as before.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timezone


class LockedError(RuntimeError):
    """Another run holds the output root."""


class LockLost(RuntimeError):
    """This run's lease expired and another writer took the lock: it must not commit."""


PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict"}


def _code(exc: BaseException | None) -> str | None:
    """The S3 error code behind ``exc``, which s3fs may have translated (a 412 into FileExistsError)."""
    while exc is not None:
        response = getattr(exc, "response", None) or {}
        if code := response.get("Error", {}).get("Code"):
            return code
        exc = exc.__cause__ or exc.__context__
    return None


def _precondition_failed(exc: Exception) -> bool:
    return _code(exc) in PRECONDITION or (isinstance(exc, FileExistsError) and _code(exc) is None)


class S3Lease:
    """The lease on ``path`` (``bucket/key``) through the s3fs filesystem ``fs``."""

    def __init__(self, fs, path: str, url: str, holder: str, seconds: float, clock=time.time):
        self.fs, self.url, self.holder, self.seconds, self.clock = fs, url, holder, seconds, clock
        self.bucket, _, self.key = path.partition("/")
        self.token = uuid.uuid4().hex
        self.etag: str | None = None
        self.expires = 0.0
        self.lost: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- S3 calls
    def _put(self, **condition) -> str:
        self.expires = self.clock() + self.seconds
        body = json.dumps({"holder": self.holder, "token": self.token, "expires": self.expires,
                           "expires_at": datetime.fromtimestamp(self.expires, timezone.utc).isoformat(timespec="seconds")})
        r = self.fs.call_s3("put_object", Bucket=self.bucket, Key=self.key, Body=body.encode(), **condition)
        return r["ETag"]

    def read(self) -> tuple[dict | None, str | None]:
        """(the lock's content, its ETag); (None, None) where there is no lock.  A lock of an older version
        (plain text) reads as {"holder": text} with no expiry."""
        try:
            r = self.fs.call_s3("get_object", Bucket=self.bucket, Key=self.key)
        except FileNotFoundError:
            return None, None
        except Exception as exc:  # botocore's NoSuchKey, as s3fs passes it through
            if _code(exc) in ("NoSuchKey", "404"):
                return None, None
            raise
        data = _read_body(self.fs, r["Body"])
        try:
            content = json.loads(data)
            if not isinstance(content, dict):
                raise ValueError
        except ValueError:
            content = {"holder": data.decode(errors="replace").strip() or "unknown"}
        return content, r["ETag"]

    # -- the lease
    def acquire(self) -> str | None:
        """Take the lock; return a note when it was taken over from an expired holder.  Raises LockedError."""
        try:
            self.etag = self._put(IfNoneMatch="*")
            self._start()
            return None
        except Exception as exc:
            if not _precondition_failed(exc):
                raise
        current, etag = self.read()
        if current is None:  # released between our two calls: try once more
            self.etag = self._put(IfNoneMatch="*")
            self._start()
            return None
        expires = current.get("expires")
        if expires is None or expires > self.clock():
            until = f", lease until {current.get('expires_at')}" if expires is not None else ""
            raise LockedError(
                f"another newsloom run is writing to {self.url} ({current.get('holder')}{until}); wait for it to "
                f"finish{' or for its lease to expire' if expires is not None else ''}. If that run is known to be "
                f"dead, remove the lock with: newsloom unlock {self.url}")
        try:
            self.etag = self._put(IfMatch=etag)
        except Exception as exc:
            if _precondition_failed(exc):
                raise LockedError(f"another newsloom run has just taken the expired lock of {self.url}") from None
            raise
        self._start()
        return f"took over the lock of {self.url} from {current.get('holder')}, whose lease expired at " \
               f"{current.get('expires_at')}"

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._renew_loop, name="newsloom-lease", daemon=True)
        self._thread.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            if not self.renew():
                return

    def renew(self) -> bool:
        """Extend the lease; False (and ``lost`` set) when the lock is no longer ours."""
        try:
            self.etag = self._put(IfMatch=self.etag)
            return True
        except Exception as exc:
            if _precondition_failed(exc) or _code(exc) == "NoSuchKey" or isinstance(exc, FileNotFoundError):
                self.lost = "another writer took the lock after this run's lease expired"
                return False
            return True  # a passing network error: the next renewal tries again, the lease still runs

    def check(self) -> None:
        """Raise LockLost unless the lock is still this run's and its lease still runs."""
        if self.lost:
            raise LockLost(f"{self.url}: {self.lost}; this run does not commit")
        current, _ = self.read()
        if current is None or current.get("token") != self.token:
            self.lost = "the lock is no longer this run's"
            raise LockLost(f"{self.url}: {self.lost}; this run does not commit")
        if current.get("expires", 0) <= self.clock():
            raise LockLost(f"{self.url}: this run's lease expired before the commit; it does not commit")

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        current, _ = self.read()
        if current is not None and current.get("token") == self.token:
            self.fs.rm(f"{self.bucket}/{self.key}")


def _read_body(fs, body) -> bytes:
    """The bytes of a get_object Body, which s3fs's call_s3 returns as an aiobotocore stream."""
    from fsspec.asyn import sync

    async def read():
        async with body as stream:
            return await stream.read()

    return sync(fs.loop, read)

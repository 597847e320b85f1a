"""Files on a local disk or an object store, behind one set of helpers: what a path means, how an input is
opened, and how a file is written so that no reader sees it half-written."""
from __future__ import annotations

import os
import posixpath
import uuid
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem


def is_remote(url: str | Path) -> bool:
    """Whether ``url`` names an object store (``s3://...``) rather than a local path."""
    text = str(url)
    return "://" in text and not text.startswith("file://")


def storage_options(url: str | Path, endpoint_url: str | None = None) -> dict:
    """fsspec options for ``url``: the S3 endpoint (for S3-compatible stores) where one is set.

    Credentials come from the usual places (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS
    profiles, instance roles); the endpoint from the ``endpoint_url`` setting, else
    AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL.
    """
    if not str(url).startswith(("s3://", "s3a://")):
        return {}
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return {"client_kwargs": {"endpoint_url": endpoint}} if endpoint else {}


def filesystem(url: str | Path, endpoint_url: str | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    """(fsspec filesystem, path within it) for a local path or an object-store URL."""
    if not is_remote(url):
        return LocalFileSystem(), str(Path(str(url).removeprefix("file://")).resolve())
    fs, path = fsspec.core.url_to_fs(str(url), **storage_options(url, endpoint_url))
    return fs, path.rstrip("/")


def open_input(path: str | Path, endpoint_url: str | None = None):
    """An input file (local path or object-store URL), opened for binary reading."""
    if not is_remote(path):
        return open(path, "rb")
    fs, p = filesystem(path, endpoint_url)
    return fs.open(p, "rb")


def input_size(path: str | Path, endpoint_url: str | None = None) -> int:
    if not is_remote(path):
        return os.stat(path).st_size
    fs, p = filesystem(path, endpoint_url)
    return fs.size(p)


def list_inputs(url: str, endpoint_url: str | None = None) -> list[tuple[str, str]]:
    """(file URL, path relative to ``url``) of every file under an object-store folder, in a
    stable order, hidden names skipped; [(url, its name)] for a single object."""
    fs, root = filesystem(url, endpoint_url)
    if not fs.isdir(root):
        return [(url, posixpath.basename(root))]
    found = []
    for f in sorted(fs.find(root)):
        rel = posixpath.relpath(f, root)
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        found.append((fs.unstrip_protocol(f), rel))
    return found


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to the local ``path`` via a hidden temporary name, fsync and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_parquet_atomic(table: pa.Table, path: Path) -> Path:
    """Write ``table`` to the local ``path`` via a hidden temporary name and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return path

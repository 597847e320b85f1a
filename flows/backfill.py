"""The news-backfill flow: one directory or WARC archive through the whole pipeline.

Backfills are large one-off loads (a crawl's WARC files, an archive folder), run on demand on a
Prefect server, typically with ``workers`` set so that clean and entity-extract fan out on Dask.
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.pipeline import news_pipeline
from newsloom.config import DEFAULT_OUT, ConfigError


@flow(name="news-backfill", log_prints=True)
def news_backfill(
    path: str,
    out: str = DEFAULT_OUT,
    model: str | dict[str, str] | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    settings: dict | None = None,
) -> dict:
    """Run the pipeline over ``path``: a directory (walked recursively) or a ``.warc``/``.warc.gz`` file."""
    p = Path(path)
    if not (p.is_dir() or (p.is_file() and p.name.lower().endswith((".warc", ".warc.gz")))):
        raise ConfigError(f"backfill path must be a directory or a .warc/.warc.gz file: {path}")
    return news_pipeline(sources=[str(p)], out=out, model=model, workers=workers, batch_size=batch_size,
                         settings=settings)

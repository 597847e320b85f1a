"""The shape of the code, as docs/architecture.md promises it: layers that import downward only, small
modules and small functions, no language code compared outside the language packs.

    python bench/code_shape.py            # print every breach; exit 1 if there is one

Layers, bottom up (a module may import its own layer and the ones below it, never one above):

    core        newsloom/ (config, schemas, store, stage, lang, ...)
    stages      tasks/
    flows       flows/
    interfaces  newsloom/interfaces/ (CLI, report, SQL, generated docs)

Every import counts, including those inside functions.  tests/test_code_shape.py runs the same checks.
"""
from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("newsloom", "tasks", "flows")
LAYERS = ("core", "stages", "flows", "interfaces")
MAX_MODULE_LINES = 400  # a module a maintainer can read in one sitting
MAX_FUNCTION_LINES = 60  # a function that fits on one screen, docstring included
# the codes of the shipped packs and of the languages a user is likeliest to add next
LANGUAGE_CODES = ("en", "fr", "de", "es", "pt", "nl")
_CODE = "|".join(LANGUAGE_CODES)
LANGUAGE_CODE_COMPARISON = re.compile(rf"""[=!]=\s*["'](?:{_CODE})["']|["'](?:{_CODE})["']\s*[=!]=""")


@dataclass(frozen=True)
class Breach:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name of ours (None for a third-party or standard module)."""
    top = module.split(".")[0]
    if module == "newsloom.interfaces" or module.startswith("newsloom.interfaces."):
        return "interfaces"
    return {"newsloom": "core", "tasks": "stages", "flows": "flows"}.get(top)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in the tree, relative ones made absolute."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".")[: -node.level] if not module.endswith("__init__") else module.split(".")
                base = ".".join([*pkg, base]) if base else ".".join(pkg)
            out.append((node.lineno, base))
    return out


def layer_breaches(path: Path, tree: ast.AST) -> list[Breach]:
    module = module_name(path)
    own = layer_of(module)
    out = []
    for line, target in imported_modules(tree, module):
        other = layer_of(target)
        if own and other and LAYERS.index(other) > LAYERS.index(own):
            out.append(Breach(f"{path.relative_to(ROOT)}:{line}", f"{own} imports {other} ({target})"))
    return out


def private_breaches(path: Path, tree: ast.AST) -> list[Breach]:
    """An import of a private name (``_x``) from another module of ours: modules share helpers through
    public names, so a private one can change without breaking another module."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and layer_of(node.module):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    out.append(Breach(f"{path.relative_to(ROOT)}:{node.lineno}",
                                      f"takes the private name {alias.name} of {node.module}"))
    return out


def size_breaches(path: Path, text: str, tree: ast.AST) -> list[Breach]:
    rel = path.relative_to(ROOT)
    out = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        out.append(Breach(str(rel), f"module of {lines} lines (at most {MAX_MODULE_LINES})"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            if n > MAX_FUNCTION_LINES:
                out.append(Breach(f"{rel}:{node.lineno}", f"function {node.name} of {n} lines "
                                                          f"(at most {MAX_FUNCTION_LINES})"))
    return out


def language_breaches(path: Path, text: str) -> list[Breach]:
    """A comparison with a two-letter code outside the language packs: stages ask the pack instead."""
    if path.is_relative_to(ROOT / "newsloom" / "lang"):
        return []
    return [Breach(f"{path.relative_to(ROOT)}:{i}", f"compares a language code: {line.strip()}")
            for i, line in enumerate(text.splitlines(), start=1) if LANGUAGE_CODE_COMPARISON.search(line)]


# words that are not a language's: markup and metadata vocabularies, protocol and tracking names, the parser's
# dependency labels (a scheme of the model, not of the language), and the tables' own names and column names
NOT_LANGUAGE = frozenset({
    "meta", "property", "name", "itemprop", "og", "title", "headline", "author", "datePublished", "time", "https",
    "http", "HTTP", "utm", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc", "eid", "cid",
    "datetime", "description", "twitter", "alias", "label", "content", "url", "charset", "class", "id", "rel",
    "ccomp", "oprd", "xcomp", "dobj", "attr", "conj", "advcl", "nsubj", "nsubjpass", "csubj", "relcl",
    "punct", "npadvmod", "advmod", "pobj", "pcomp", "acl", "poss", "appos", "prep",
    # the gazetteer's feature classes (mentions.place_feature), GeoNames' scheme
    "continent", "country", "city",
    # HTML element names (tasks.clean.guards.NOT_SHOWN)
    "script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form", "button", "select",
})


def _column_names() -> frozenset:
    sys.path.insert(0, str(ROOT))
    from newsloom import schemas

    columns = frozenset(n for schema in schemas.ALL_TABLES.values() for n in schema.names)
    return columns | frozenset(schemas.ALL_TABLES) | {"ids", "short", "cluster", "mentions"}


REGEX_CALLS = {"compile", "search", "match", "fullmatch", "finditer", "findall", "sub", "split"}
MIN_LIST_WORDS = 3  # three words in one literal make a word list; one or two are a token or a label
_ESCAPES = re.compile(r"\\[a-zA-Z]|\(\?P?<[a-z_]+>|\[[^\]]*\]|\{[^}]*\}")  # escapes, group names, classes
_WORD = re.compile(r"[A-Za-z]{2,}")


def _is_word(s: object) -> bool:
    return isinstance(s, str) and s.isalpha() and s.islower() and len(s) >= 2


def _regex_words(pattern: str) -> list[str]:
    """The words a regex matches literally (escapes, group names and character classes taken out)."""
    return _WORD.findall(_ESCAPES.sub(" ", pattern))


WORD_ATTRIBUTES = {"lower_", "lemma_", "text", "norm_", "orth_"}  # what a token of the text says


def _reads_a_word(node: ast.AST) -> bool:
    """``tok.lower_``, ``tok.lemma_``, ``tok.text``, ``x.lower()``: a word of the text being compared."""
    if isinstance(node, ast.Attribute):
        return node.attr in WORD_ATTRIBUTES
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "lower"


NOT_LANGUAGE_NOTE = "not language:"  # a comment on the line above a pattern of names that no language owns


def word_breaches(path: Path, tree: ast.AST, lines: list[str] | None = None) -> list[Breach]:
    """A word list (a literal of three lowercase words or more) or a regex that matches words, in a stage:
    what a language says belongs to its pack (newsloom/lang/).  A pattern of names no language owns (URL
    parameters) says so in a comment ``# not language: ...`` on the line above it."""
    if layer_of(module_name(path)) != "stages":
        return []
    allowed = NOT_LANGUAGE | _column_names()
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            words = [e.value for e in node.elts if isinstance(e, ast.Constant) and _is_word(e.value)
                     and e.value not in allowed]
            if len(words) >= MIN_LIST_WORDS:
                out.append(Breach(f"{path.relative_to(ROOT)}:{node.lineno}", f"word list {words[:4]}"))
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops) \
                and any(_reads_a_word(c) for c in [node.left, *node.comparators]):
            words = [c.value for c in [node.left, *node.comparators] if isinstance(c, ast.Constant)
                     and _is_word(c.value) and c.value not in allowed]
            if words:
                out.append(Breach(f"{path.relative_to(ROOT)}:{node.lineno}", f"compares with the word {words[0]!r}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in REGEX_CALLS \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.args:
            pattern = node.args[0]
            text = pattern.value if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str) else \
                "".join(v.value for v in getattr(pattern, "values", []) if isinstance(v, ast.Constant))
            noted = lines is not None and any(NOT_LANGUAGE_NOTE in lines[i] for i in range(max(0, node.lineno - 3),
                                                                                            node.lineno))
            if not noted and (words := [w for w in _regex_words(text) if w not in allowed]):
                out.append(Breach(f"{path.relative_to(ROOT)}:{node.lineno}", f"regex matches words {words[:4]}"))
    return out


def breaches(kinds: tuple[str, ...] = ("layers", "private", "size", "language", "words")) -> list[Breach]:
    out = []
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        if "layers" in kinds:
            out += layer_breaches(path, tree)
        if "private" in kinds:
            out += private_breaches(path, tree)
        if "size" in kinds:
            out += size_breaches(path, text, tree)
        if "language" in kinds:
            out += language_breaches(path, text)
        if "words" in kinds:
            out += word_breaches(path, tree, text.splitlines())
    return out


def main() -> int:
    found = breaches()
    for b in found:
        print(b)
    print(f"{len(found)} breaches in {len(source_files())} modules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

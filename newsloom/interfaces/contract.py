"""The table contract as documents, generated from its one source: ``newsloom.schemas`` (tables, columns,
types, descriptions) and ``newsloom.rejects`` (reasons).

    python -m newsloom.interfaces.contract          # rewrite the generated parts of README.md and the docs
    python -m newsloom.interfaces.contract --check  # exit 1 where they differ from the schemas (tests/test_contract.py)

A generated part of a Markdown file sits between ``<!-- generated: NAME -->`` and ``<!-- /generated -->``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pyarrow as pa

from flows.pipeline import AGGREGATE, STAGES
from newsloom import schemas
from newsloom.rejects import REASONS

ROOT = Path(__file__).resolve().parents[2]
FILES = {"README.md": ("tables", "reasons"), "docs/tables.md": ("columns",), "docs/architecture.md": ("stages",)}
REGION = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- /generated -->)", re.S)


def _where(name: str) -> str:
    if name in schemas.AGGREGATES:
        return f"`{name}.parquet`"
    return f"`{name}/`"


def render_tables() -> str:
    """The README's tables at a glance: one line per public table."""
    lines = ["| table | one row per | columns |", "|---|---|---|"]
    for name, schema in {**schemas.FACT_TABLES, **schemas.AGGREGATES}.items():
        if name.startswith("_"):
            continue
        row = schema.metadata[b"newsloom.row"].decode()
        lines.append(f"| {_where(name)} | {row} | {', '.join(schema.names)} |")
    return "\n".join(lines) + "\n"


def _type(t: pa.DataType) -> str:
    return "timestamp[us, UTC]" if pa.types.is_timestamp(t) else str(t)


def render_columns() -> str:
    """Every table's columns with type, nullability and meaning (docs/tables.md)."""
    out = []
    groups = [("Fact tables (append-only directories of Parquet parts)", schemas.FACT_TABLES),
              ("Aggregates (one file each, recomputed every run)", schemas.AGGREGATES),
              ("Scratch tables (between the stages of one run, never committed)", schemas.SCRATCH_TABLES)]
    for title, tables in groups:
        out.append(f"## {title}\n")
        for name, schema in tables.items():
            out.append(f"### {_where(name)}: one row per {schema.metadata[b'newsloom.row'].decode()}\n")
            out.append("| column | type | null | meaning |")
            out.append("|---|---|---|---|")
            for f in schema:
                desc = f.metadata[b"description"].decode().replace("|", "\\|")
                out.append(f"| {f.name} | {_type(f.type)} | {'yes' if f.nullable else 'no'} | {desc} |")
            out.append("")
    return "\n".join(out)


def render_reasons() -> str:
    lines = ["| reason | stage | meaning |", "|---|---|---|"]
    lines += [f"| `{r}` | {stage} | {meaning} |" for r, (stage, meaning) in REASONS.items()]
    return "\n".join(lines) + "\n"


def render_stages() -> str:
    """Each stage of the flow with what its phases read and write (from the Stage declarations)."""
    def refs(d: dict) -> str:
        return ", ".join(f"`{r}`" + (f" ({', '.join(c)})" if c else "") for r, c in d.items()) or "the SOURCEs"

    lines = ["| # | stage | whole phase reads | part phase (one task per part of) reads | writes |", "|---|---|---|---|---|"]
    for i, st in enumerate([*STAGES, AGGREGATE], start=1):
        run = refs(st.whole_reads) if st.whole is not None else "–"
        part = f"per `{st.parts_of}` part: {refs(st.reads)}" if st.part is not None else "–"
        lines.append(f"| {i} | {st.name} | {run} | {part} | {', '.join(f'`{t}`' for t in st.writes)} |")
    return "\n".join(lines) + "\n"


RENDER = {"tables": render_tables, "columns": render_columns, "reasons": render_reasons, "stages": render_stages}


def regenerate(text: str) -> str:
    return REGION.sub(lambda m: m.group(1) + RENDER[m.group(2)]() + m.group(4), text)


def stale(root: Path = ROOT) -> list[str]:
    """Files whose generated parts differ from the schemas, or that lack a part they should have."""
    bad = []
    for rel, names in FILES.items():
        text = (root / rel).read_text(encoding="utf-8")
        found = {m.group(2) for m in REGION.finditer(text)}
        if set(names) - found or regenerate(text) != text:
            bad.append(rel)
    return bad


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        for rel in bad:
            print(f"{rel}: out of date with newsloom/schemas.py; run python -m newsloom.interfaces.contract")
        return 1 if bad else 0
    for rel in FILES:
        path = ROOT / rel
        path.write_text(regenerate(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

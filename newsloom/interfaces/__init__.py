"""The interfaces: what people and other programs call.  The top layer: it may import every layer below it
(flows, stages, core) and nothing imports it.

- ``cli``: the ``newsloom`` command (run, sql, report, backfill, ...);
- ``sql``: DuckDB views over an output root, for ``newsloom sql`` and the report;
- ``report``: the offline HTML report;
- ``contract``: the generated parts of the README and docs, from the schemas and the stage declarations.
"""

"""queries.sql: split into named sections and fill in the placeholders.

The same rules are implemented in bench.js for DuckDB-WASM; keep them in step:
a section starts at a line `-- name: NAME`; every other line starting with `--` is a
comment and dropped; `{flow}` is replaced by the `flow` section, then each `{key}` by
its parameter (plain text replacement: the SQL's own braces stay as they are).
"""

import re

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$")


def load(path):
    sections = {}
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = _NAME.match(line)
            if m:
                current = m.group(1)
                sections[current] = []
            elif line.lstrip().startswith("--"):
                continue
            elif current is not None:
                sections[current].append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def render(sql, queries, params):
    sql = sql.replace("{flow}", "(" + queries["flow"] + ")")
    for key, value in params.items():
        sql = sql.replace("{" + key + "}", value)
    return sql


def quote(text):
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"

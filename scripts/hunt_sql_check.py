#!/usr/bin/env python3
"""Runs the findings' DuckDB SQL (`flowlens hunt DIR --sql duckdb`) and checks each
query's answer against the finding it was written for (`flowlens hunt DIR --json`).
SQL sees records, not sessions, so only what both compute the same way is compared:
the scan's most ports of one host in 5 minutes, the probe's and the accepted session's
times, the brute force's reply median, the first success's time, the exfiltration's
largest 30-minute sum, the long connection's span, the first outbound call, and the
beacon's median interval.

Usage: hunt_sql_check.py FINDINGS_SQL HUNT_JSON     (needs the duckdb package)

    flowlens example /tmp/week
    flowlens hunt /tmp/week --sql duckdb --top 8 > /tmp/f.sql
    flowlens hunt /tmp/week --json > /tmp/h.json
    .cache/compare/venv/bin/python scripts/hunt_sql_check.py /tmp/f.sql /tmp/h.json
"""

import json
import sys

import duckdb


def statements(text):
    """(title, sql) of each statement, the title from its first comment line."""
    out = []
    for chunk in text.split(";\n"):
        lines = chunk.strip().splitlines()
        title = next((l[3:] for l in lines if l.startswith("-- ") and not l.startswith("-- Caveat")), "")
        body = "\n".join(l for l in lines if not l.startswith("--")).strip()
        if body:
            out.append((title, body))
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    sql = open(sys.argv[1]).read()
    hunt = json.load(open(sys.argv[2]))
    con = duckdb.connect()
    problems = []
    checked = 0
    stmts = statements(sql)
    con.execute(stmts[0][1])  # the view
    # The listed findings, in the order of the script (the same ranking).
    findings = hunt["findings"][: len(stmts) - 1]
    for (title, body), f in zip(stmts[1:], findings):
        rows = con.execute(body).fetchall()
        kind = f["kind"]
        ev = f["evidence"].get(kind, {})

        def same(what, got, want, tolerance=0.0):
            nonlocal checked
            checked += 1
            ok = got == want if tolerance == 0 else abs(got - want) <= tolerance * max(abs(want), 1)
            if not ok:
                problems.append(f"{kind} {f['src']}: {what}: SQL {got} != flowlens {want}")

        if kind == "scan":
            same("most ports of one host in 5 minutes", rows[0][2], ev["max_ports_one_host_5min"])
        elif kind == "probe_accepted":
            same("probe start", rows[0][0], ev["probe_start"])
            same("accepted start", rows[0][1], ev["accepted_start"])
        elif kind == "brute_force":
            same("reply median", rows[0][2], ev["reply_bytes_median"])
        elif kind == "first_success":
            same("first success start", rows[0][0], f["first"])
        elif kind == "exfiltration":
            same("largest 30-minute sum", rows[0][2], ev["max_30min_bytes"], 0.001)
        elif kind == "long_connection":
            same("duration", rows[0][2], ev["duration_secs"])
        elif kind == "role_inversion":
            same("first outbound call", rows[0][0], f["first"])
        elif kind == "beacon":
            same("median interval", rows[0][2], ev["interval_median_secs"], 0.02)
    if problems:
        print(f"hunt_sql_check: {len(problems)} of {checked} checks differ:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"hunt_sql_check: all {checked} checks agree (duckdb {duckdb.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

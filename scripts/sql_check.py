"""Runs the DuckDB SQL that flowlens generated and checks it against a flowlens report.

The SQL is run as it is given (the page's "Run this at scale" panel, or
`flowlens sql --engine duckdb`), statement by statement, in the current directory (so
its `read_csv` path is relative to it). Every number of the report that the queries
answer is compared: the sources (how many, their totals, and every row the report
keeps: flows, packets, bytes sent and received, first start, last end), the span and its sessions, the flows to the suspect
over its stay (every flow, count, bytes, largest, missing, the range's share) and their
histogram, the baseline (flows,
flows above exact; mean, sigma, threshold, median, MAD, p99 to 1e-6 relative) and the
suspect's flows above the threshold (count and bytes exact, average to 1e-6).

Usage: sql_check.py SQL_FILE REPORT_JSON
Prints one line per check group; exits 1 when anything differs, 2 on bad input.
"""

import json
import math
import re
import sys

import duckdb

REL = 1e-6


def statements(sql):
    """The statements after each `-- name: NAME` line, by name, without the `;`."""
    parts = re.split(r"^-- name: (\w+)\n", sql, flags=re.M)
    out = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        out[name] = body.strip().rstrip(";")
    return out


def rows(con, sql):
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


class Checker:
    def __init__(self):
        self.problems = []
        self.checked = 0

    def same(self, what, got, want):
        self.checked += 1
        if isinstance(want, float) or isinstance(got, float):
            ok = got is not None and want is not None and (
                math.isclose(float(got), float(want), rel_tol=REL, abs_tol=1e-9)
            )
        else:
            ok = got == want
        if not ok:
            self.problems.append(f"{what}: DuckDB {got!r}, flowlens {want!r}")


def num(value):
    """DuckDB's HUGEINT / DECIMAL results as int or float."""
    if value is None or isinstance(value, (int, float, str)):
        return value
    return float(value)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        sql = statements(f.read())
    with open(sys.argv[2], encoding="utf-8") as f:
        report = json.load(f)
    needed = ["setup", "sources", "span", "sessions", "flows_to", "flows_to_total",
              "histogram", "baseline", "above"]
    missing = [n for n in needed if n not in sql]
    if missing:
        print(f"sql_check: the SQL lacks the statements {missing}", file=sys.stderr)
        return 2
    if not report.get("suspect") or not report.get("verdict"):
        print("sql_check: the report has no suspect or verdict to compare", file=sys.stderr)
        return 2

    con = duckdb.connect()
    con.execute(sql["setup"])
    c = Checker()

    # Question 1: sources. The report holds the top rows by bytes sent and the totals;
    # SQL lists every source.
    got = {r["addr"]: r for r in rows(con, sql["sources"])}
    sources = report["sources"]
    want = {s["addr"]: s for s in sources["rows"]}
    c.same("sources: total", len(got), sources["total"])
    c.same("sources: rows in the SQL", sorted(set(want) - set(got)), [])
    for addr in sorted(set(got) & set(want)):
        for key in ["flows", "packets", "bytes_sent", "bytes_received", "first_start", "last_end"]:
            c.same(f"sources[{addr}].{key}", num(got[addr][key]), want[addr][key])
    if want and len(got) > len(want):
        # The rows left out send no more than the least of the rows kept.
        least = min(s["bytes_sent"] for s in want.values())
        most_left = max(num(r["bytes_sent"]) for a, r in got.items() if a not in want)
        c.same("sources: the rows kept are the top by bytes sent", most_left <= least, True)
    totals = sources["totals"]
    c.same("sources.totals.flows", sum(num(r["flows"]) for r in got.values()), totals["flows"])
    c.same("sources.totals.packets", sum(num(r["packets"]) for r in got.values()), totals["packets"])
    c.same("sources.totals.bytes", sum(num(r["bytes_sent"]) for r in got.values()), totals["bytes"])
    print(f"sources: {len(got)} addresses (flowlens {sources['total']}, {len(want)} rows kept)")

    # Questions 2 and 3: span and sessions.
    span = report["span"]
    [g] = rows(con, sql["span"])
    for key in ["first_start", "last_end", "duration_secs"]:
        c.same(f"span.{key}", num(g[key]), span[key])
    in_range = span.get("in_range") or {}
    c.same("span.in_range.first_start", num(g["range_first_start"]), in_range.get("first_start"))
    c.same("span.in_range.last_end", num(g["range_last_end"]), in_range.get("last_end"))
    sessions = [
        {"start": num(r["session_start"]), "end": num(r["session_end"]),
         "flows": num(r["flows"]), "bytes": num(r["bytes"])}
        for r in rows(con, sql["sessions"])
    ]
    c.same("span.sessions", sessions, span["sessions"])
    print(f"span: {g['first_start']}..{g['last_end']} ({g['duration_secs']} s), "
          f"{len(sessions)} sessions")

    # Question 4: flows to the suspect, totals and histogram.
    to = report["flows_to_suspect"]
    [t] = rows(con, sql["flows_to_total"])
    for key in ["count", "bytes_total", "bytes_max", "bytes_missing"]:
        c.same(f"flows_to_suspect.{key}", num(t[key]), to[key])
    share = to.get("in_range")
    if share is not None:
        c.same("flows_to_suspect.in_range.count", num(t["range_count"]), share["count"])
        c.same("flows_to_suspect.in_range.bytes_total", num(t["range_bytes_total"]),
               share["bytes_total"])
    key_of = lambda f: (f["start"], f["end"], f["bytes"], f["srcaddr"], f["srcport"], f["dstport"])
    got_flows = sorted(key_of({k: num(v) for k, v in r.items()}) for r in rows(con, sql["flows_to"]))
    want_flows = sorted(key_of(f) for f in to["flows"])
    if len(want_flows) == to["count"]:
        c.same("flows_to_suspect.flows", got_flows, want_flows)
    else:
        # The report keeps the first flows only: each of them is one of SQL's.
        c.same("flows_to_suspect.flows (kept)", sorted(set(want_flows) - set(got_flows)), [])
    bins = {num(r["bin"]): num(r["count"]) for r in rows(con, sql["histogram"])}
    want_bins = {}
    for b in report["histogram"]["bins"]:
        if b["count"]:
            index = 0 if b["lo"] == 0 else b["lo"].bit_length()
            want_bins[index] = b["count"]
    c.same("histogram (non-empty bins)", bins, want_bins)
    print(f"flows to the suspect: {t['count']} flows, {t['bytes_total']} bytes")

    # Question 5: baseline and the flows above it.
    v = report["verdict"]
    base = v["baseline"]
    [b] = rows(con, sql["baseline"])
    for key in ["flows", "flows_above"]:
        c.same(f"baseline.{key}", num(b[key]), base[key])
    for key in ["mean", "stddev", "threshold", "median", "mad", "p99"]:
        c.same(f"baseline.{key}", num(b[key]), float(base[key]))
    [a] = rows(con, sql["above"])
    c.same("verdict.suspect_flows", num(a["suspect_flows"]), v["suspect_flows"])
    c.same("verdict.above.flows", num(a["flows"]), v["above"]["flows"])
    c.same("verdict.above.bytes_total", num(a["bytes_total"]), v["above"]["bytes_total"])
    c.same("verdict.above.bytes_avg", num(a["bytes_avg"]), float(v["above"]["bytes_avg"]))
    print(f"baseline: {b['flows']} flows, mean {b['mean']:.2f}, sigma {b['stddev']:.2f}, "
          f"threshold {b['threshold']:.2f}; above: {a['flows']} flows, {a['bytes_total']} bytes")

    con.close()
    if c.problems:
        print(f"sql_check: {len(c.problems)} of {c.checked} checks differ:", file=sys.stderr)
        for p in c.problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"sql_check: all {c.checked} checks agree (duckdb {duckdb.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

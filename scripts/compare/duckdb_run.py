"""One DuckDB run of the five questions (native, Python `duckdb`), as one process.

Reads every `*.log.gz` under DIR with `read_csv` (space delimiter, header, typed
columns, nullstr '-') into an in-memory table, runs the queries of queries.sql and
prints one JSON object: the timings (load, queries) and every query's rows. compare.py
starts it once per timed run (under /usr/bin/time, for the peak RSS).

Usage: duckdb_run.py DIR --threads N --suspect ADDR --port P --from S --to S --k K
"""

import argparse
import json
import os
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sqlfile  # noqa: E402  (needs the path above)

# The queries of the five questions, in the order they run.
QUESTION_QUERIES = [
    "records",
    "sources",
    "span",
    "flows_to",
    "flows_to_total",
    "histogram",
    "baseline",
    "above",
]


def rows(cursor):
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--suspect", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--from", dest="from_secs", type=int, required=True)
    parser.add_argument("--to", dest="to_secs", type=int, required=True)
    parser.add_argument("--k", type=float, default=3.0)
    args = parser.parse_args()

    queries = sqlfile.load(os.path.join(HERE, "queries.sql"))
    glob = os.path.join(os.path.abspath(args.dir), "**", "*.log.gz")
    params = {
        "files": sqlfile.quote(glob),
        "suspect": args.suspect,
        "port": str(args.port),
        "from": str(args.from_secs),
        "to": str(args.to_secs),
        "k": repr(args.k),
    }

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    con.execute(sqlfile.render(queries["load"], queries, params))
    loaded = time.perf_counter()
    results = {}
    for name in QUESTION_QUERIES:
        results[name] = rows(con.execute(sqlfile.render(queries[name], queries, params)))
    finished = time.perf_counter()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.close()

    json.dump(
        {
            "engine": f"duckdb {duckdb.__version__} (Python)",
            "threads": threads,
            "load_secs": loaded - started,
            "query_secs": finished - loaded,
            "total_secs": finished - started,
            "results": results,
        },
        sys.stdout,
        default=float,  # DECIMAL / HUGEINT results come back as Decimal or int
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

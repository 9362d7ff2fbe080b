#!/usr/bin/env python3
"""flowlens against DuckDB on the five questions: timings, ratios, and the same numbers.

Run through scripts/compare.sh, which installs what is needed, builds flowlens and
writes the data first. Two subcommands:

  native DIR --flowlens BIN --python VENV_PYTHON [--runs N] [--threads N]
      Times `flowlens analyze --json DIR` (and the window question, `--window`), and
      DuckDB through its Python package (duckdb_run.py: read_csv into a table, then the
      queries of queries.sql), each in its own process under /usr/bin/time for the peak
      RSS; prints the medians, the ratio and the checks.

  browser RESULT_JSON
      Checks and prints what browser.mjs measured: the flowlens page and DuckDB-WASM in
      headless Chromium.

Both exit non-zero when a check fails: the engines must give the same answers before
their times mean anything.
"""

import argparse
import datetime
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# The case of docs/investigation.md.
SUSPECT = "201.48.16.81"
SERVICE_PORT = 3306
WINDOW_FROM = 1600221600  # 2020-09-16T02:00:00Z
WINDOW_TO = WINDOW_FROM + 600
WINDOW_RFC3339 = "2020-09-16T02:00:00Z"
K = 3.0

# Targets of issue 5.
NATIVE_TARGET = 0.5
BROWSER_TARGET = 1 / 3


# ---------------------------------------------------------------------------------------
# Checks: flowlens reports against DuckDB rows.


class Checks:
    def __init__(self):
        self.items = []  # (ok, name, detail)

    def equal(self, name, flowlens, duckdb):
        ok = flowlens == duckdb
        self.items.append((ok, name, f"flowlens {flowlens!r}, duckdb {duckdb!r}"))

    def close(self, name, flowlens, duckdb, rel):
        ok = (
            isinstance(flowlens, (int, float))
            and isinstance(duckdb, (int, float))
            and abs(flowlens - duckdb) <= rel * max(abs(flowlens), abs(duckdb), 1e-300)
        )
        self.items.append((ok, name, f"flowlens {flowlens!r}, duckdb {duckdb!r} (rel. tol. {rel:g})"))

    def fail(self, name, detail):
        self.items.append((False, name, detail))

    @property
    def failed(self):
        return [i for i in self.items if not i[0]]

    def print(self, out=sys.stdout):
        for ok, name, detail in self.items:
            print(f"  {'ok    ' if ok else 'FAILED'} {name}: {detail}", file=out)
        n_failed = len(self.failed)
        print(f"  {len(self.items) - n_failed} checks passed, {n_failed} failed", file=out)


def hist_bin(lo):
    """flowlens bin bounds [lo, hi) -> the bin index of queries.sql (0 holds 0)."""
    return 0 if lo == 0 else int(lo).bit_length()


def check_answers(whole, window, duck, what="flowlens"):
    """whole: flowlens report over all data (finds the suspect itself); window: report of
    the 02:00 window (sources; span.in_range when it has the suspect; may be None);
    duck: DuckDB rows by query name."""
    c = Checks()
    r = duck
    c.equal("records read", whole["input"]["records"], r["records"][0]["records"])
    c.equal(f"suspect found by {what}", whole.get("suspect"), SUSPECT)

    # Question 1: sources of the window.
    if window is not None:
        # The report keeps the top rows by bytes sent (and counts them all).
        fl = {s["addr"]: s for s in window["sources"]["rows"]}
        dk = {s["addr"]: s for s in r["sources"]}
        c.equal("Q1 sources in the window: count", window["sources"]["total"], len(dk))
        c.equal("Q1 sources in the window: rows kept are sources", sorted(set(fl) - set(dk)), [])
        fields = ["flows", "packets", "bytes_sent", "bytes_received", "first_start", "last_end"]
        diffs = [
            f"{a}.{f}: {fl[a][f]} != {dk[a][f]}"
            for a in sorted(set(fl) & set(dk))
            for f in fields
            if fl[a][f] != dk[a][f]
        ]
        if diffs:
            c.fail("Q1 sources in the window: per-address numbers", "; ".join(diffs[:10]))
        else:
            c.equal("Q1 sources in the window: per-address numbers", "same", "same")
    else:
        c.fail("Q1 sources in the window", "no flowlens report for the window")

    # Questions 2 and 3: span.
    span = whole.get("span") or {}
    d = r["span"][0]
    c.equal("Q3 span first start", span.get("first_start"), d["first_start"])
    c.equal("Q3 span last end", span.get("last_end"), d["last_end"])
    in_range = ((window or {}).get("span") or {}).get("in_range")
    if in_range is not None:
        c.equal("Q2 span in the window", (in_range["first_start"], in_range["last_end"]),
                (d["window_first_start"], d["window_last_end"]))
    else:
        rows = ((window or {}).get("sources") or {}).get("rows", [])
        row = next((s for s in rows if s["addr"] == SUSPECT), None)
        if row is None:
            c.fail("Q2 span in the window", "the suspect is not a source of the window")
        else:
            c.equal("Q2 span in the window (its sources row)", (row["first_start"], row["last_end"]),
                    (d["window_first_start"], d["window_last_end"]))

    # Question 4: flows to the suspect and their histogram.
    ft = whole.get("flows_to_suspect") or {}
    t = r["flows_to_total"][0]
    c.equal("Q4 flows to suspect: count", ft.get("count"), t["count"])
    c.equal("Q4 flows to suspect: bytes total", ft.get("bytes_total"), t["bytes_total"])
    c.equal("Q4 flows to suspect: bytes max", ft.get("bytes_max"), t["bytes_max"])
    if "flows" in ft and len(ft["flows"]) == ft.get("count"):
        key = ("start", "end", "bytes", "srcaddr", "srcport", "dstport")
        fl_flows = sorted(tuple(f[k] for k in key) for f in ft["flows"])
        dk_flows = sorted(tuple(f[k] for k in key) for f in r["flows_to"])
        c.equal("Q4 flows to suspect: every flow (start, end, bytes, ...)",
                "same" if fl_flows == dk_flows else f"{len(fl_flows)} flows, differ",
                "same" if fl_flows == dk_flows else f"{len(dk_flows)} flows")
        starts = [f["start"] for f in ft["flows"]]
        c.equal("Q4 flows to suspect: in time order", starts == sorted(starts), True)
    hist = {hist_bin(b["lo"]): b["count"] for b in (whole.get("histogram") or {}).get("bins", []) if b["count"]}
    c.equal("Q4 histogram (bin: count)", hist, {h["bin"]: h["count"] for h in r["histogram"]})

    # Question 5: baseline and the flows above it.
    v = whole.get("verdict") or {}
    b = v.get("baseline") or {}
    d = r["baseline"][0]
    c.equal("Q5 service port", v.get("service_port"), SERVICE_PORT)
    c.equal("Q5 baseline flows", b.get("flows"), d["flows"])
    for f in ("mean", "stddev", "threshold"):
        c.close(f"Q5 baseline {f}", b.get(f), d[f], 1e-6)
    for f in ("median", "mad", "p99"):
        c.close(f"Q5 baseline {f}", b.get(f), d[f], 1e-9)
    a = v.get("above") or {}
    d = r["above"][0]
    c.equal("Q5 above threshold: flows", a.get("flows"), d["flows"])
    c.equal("Q5 above threshold: bytes total", a.get("bytes_total"), d["bytes_total"])
    c.close("Q5 above threshold: bytes avg", a.get("bytes_avg"), d["bytes_avg"] or 0.0, 1e-6)
    return c


# ---------------------------------------------------------------------------------------
# Measuring.


def load_avg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def run_timed(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns wall secs, peak RSS, CPU secs, stdout, stderr."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%M %U %S", "-o", tf.name] + cmd
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        wall = time.perf_counter() - started
        if p.returncode != 0:
            sys.stderr.write(p.stderr.decode(errors="replace")[-4000:])
            raise SystemExit(f"compare: failed ({p.returncode}): {' '.join(cmd)}")
        fields = tf.read().split()[-3:]
    rss_kb, user, system = int(fields[0]), float(fields[1]), float(fields[2])
    return {
        "wall_secs": wall,
        "rss_bytes": rss_kb * 1024,
        "cpu_secs": user + system,
        "load1_before": load_before,
        "stdout": p.stdout,
        "stderr": p.stderr.decode(errors="replace"),
    }


def input_files(directory):
    return sorted(glob.glob(os.path.join(directory, "**", "*.log.gz"), recursive=True))


def warm_and_floor(files):
    """Reads the files once (page cache), then times inflating them all on one core with
    `gzip -dc` (the floor of issue 5); returns (compressed bytes, uncompressed, secs)."""
    compressed = 0
    for f in files:
        with open(f, "rb") as fh:
            compressed += len(fh.read())
    best = None
    for _ in range(2):
        started = time.perf_counter()
        cat = subprocess.Popen(["cat", *files], stdout=subprocess.PIPE)
        gz = subprocess.Popen(["gzip", "-dc"], stdin=cat.stdout, stdout=subprocess.PIPE)
        cat.stdout.close()
        uncompressed = 0
        while True:
            chunk = gz.stdout.read(1 << 20)
            if not chunk:
                break
            uncompressed += len(chunk)
        gz.wait()
        cat.wait()
        secs = time.perf_counter() - started
        best = secs if best is None else min(best, secs)
    return compressed, uncompressed, best


def median(xs):
    return statistics.median(xs)


def fmt_secs(s):
    return f"{s:7.2f} s" if s >= 0.995 else f"{s * 1000:6.0f} ms"


def fmt_mb(b):
    return f"{b / 1e6:,.0f} MB"


def native(args):
    directory = os.path.abspath(args.dir)
    files = input_files(directory)
    if not files:
        raise SystemExit(f"compare: no *.log.gz under {directory}")
    print(f"compare: {len(files)} files under {directory}", flush=True)
    print("compare: reading them once (page cache) and timing `gzip -dc` of all (the floor)...", flush=True)
    compressed, uncompressed, floor_secs = warm_and_floor(files)

    flowlens_whole = [args.flowlens, "analyze", "--json", directory]
    flowlens_window = [args.flowlens, "analyze", "--json", "--window", WINDOW_RFC3339,
                       "--suspect", SUSPECT, directory]
    duck_cmd = [args.python, os.path.join(HERE, "duckdb_run.py"), directory,
                "--threads", str(args.threads), "--suspect", SUSPECT, "--port", str(SERVICE_PORT),
                "--from", str(WINDOW_FROM), "--to", str(WINDOW_TO), "--k", repr(K)]
    env = dict(os.environ, FLOWLENS_TIMING="1")

    runs = {"flowlens": [], "flowlens_window": [], "duckdb": []}
    reports = {}
    load_start = load_avg()
    for i in range(args.runs):
        order = ["flowlens", "flowlens_window", "duckdb"]
        if i % 2 == 1:
            order.reverse()  # alternate, so a burst of load elsewhere hits both sides
        for what in order:
            print(f"compare: run {i + 1}/{args.runs}: {what} (load {load_avg()})", flush=True)
            if what == "duckdb":
                r = run_timed(duck_cmd)
                out = json.loads(r["stdout"])
                r.update(load_secs=out["load_secs"], query_secs=out["query_secs"],
                         inproc_secs=out["total_secs"], engine=out["engine"], threads=out["threads"])
                reports["duckdb"] = out["results"]
            else:
                r = run_timed(flowlens_whole if what == "flowlens" else flowlens_window, env)
                reports[what] = json.loads(r["stdout"])
                timing = [line for line in r["stderr"].splitlines() if line.startswith("timing:")]
                r["timing"] = timing[-1] if timing else ""
            del r["stdout"]
            runs[what].append(r)
    load_end = load_avg()

    checks = check_answers(reports["flowlens"], reports["flowlens_window"], reports["duckdb"])

    fl = runs["flowlens"]
    fw = runs["flowlens_window"]
    dk = runs["duckdb"]
    fl_wall = median([r["wall_secs"] for r in fl])
    fw_wall = median([r["wall_secs"] for r in fw])
    dk_wall = median([r["wall_secs"] for r in dk])
    dk_inproc = median([r["inproc_secs"] for r in dk])
    records = reports["flowlens"]["input"]["records"]

    print()
    print(f"flowlens vs DuckDB, native — {len(files)} files, {records:,} records, "
          f"{fmt_mb(uncompressed)} uncompressed ({fmt_mb(compressed)} gzip)")
    print(f"machine: {os.cpu_count()} cores; load average (1/5/15 min) at start {load_start}, at end {load_end}; "
          f"DuckDB: {dk[0]['engine']}, {dk[0]['threads']} threads")
    print()
    header = f"  {'':44} {'median':>10} {'runs':>26} {'CPU':>9} {'peak RSS':>10}"
    print(header)

    def row(name, values, cpu=None, rss=None):
        runs_text = " ".join(f"{v:.2f}" for v in values)
        cpu_text = f"{cpu:.2f} s" if cpu is not None else ""
        rss_text = fmt_mb(rss) if rss is not None else ""
        print(f"  {name:44} {fmt_secs(median(values)):>10} {runs_text:>26} {cpu_text:>9} {rss_text:>10}")

    row("floor: gzip -dc of all files (1 core)", [floor_secs])
    row("flowlens analyze --json DIR", [r["wall_secs"] for r in fl],
        median([r["cpu_secs"] for r in fl]), max(r["rss_bytes"] for r in fl))
    row("flowlens analyze --json --window W --suspect", [r["wall_secs"] for r in fw],
        median([r["cpu_secs"] for r in fw]), max(r["rss_bytes"] for r in fw))
    row("DuckDB, whole process (python + import)", [r["wall_secs"] for r in dk],
        median([r["cpu_secs"] for r in dk]), max(r["rss_bytes"] for r in dk))
    row("DuckDB, connect..last answer", [r["inproc_secs"] for r in dk])
    row("  of which read_csv into the table", [r["load_secs"] for r in dk])
    row("  of which the queries", [r["query_secs"] for r in dk])
    print()
    for r in fl[-1:]:
        if r["timing"]:
            print(f"  flowlens (last run) {r['timing']}")
    print(f"  flowlens load average (1 min) before each run: {' '.join('%.1f' % r['load1_before'] for r in fl)}; "
          f"DuckDB: {' '.join('%.1f' % r['load1_before'] for r in dk)}")
    fl_rss = max(r["rss_bytes"] for r in fl)
    print(f"  flowlens peak RSS {fmt_mb(fl_rss)} = {fl_rss / uncompressed:.2f} × the uncompressed input "
          f"(target < 0.5), {fl_rss / records:.0f} bytes per record")
    print()
    ratio = fl_wall / dk_inproc
    print(f"  ratio flowlens / DuckDB (connect..last answer):      {ratio:.3f}  "
          f"(target <= {NATIVE_TARGET:.2f}: {'met' if ratio <= NATIVE_TARGET else 'NOT met'})")
    print(f"  ratio flowlens / DuckDB (whole processes):           {fl_wall / dk_wall:.3f}")
    print(f"  ratio (flowlens whole + window run) / DuckDB:        {(fl_wall + fw_wall) / dk_inproc:.3f}  "
          "(both flowlens commands: Q1 needs --window)")
    print(f"  ratio of CPU time (flowlens / DuckDB process):       "
          f"{median([r['cpu_secs'] for r in fl]) / median([r['cpu_secs'] for r in dk]):.3f}")
    print()
    print("checks (flowlens reports against DuckDB's rows):")
    checks.print()

    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({
                "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "files": len(files), "records": records, "compressed_bytes": compressed,
                "uncompressed_bytes": uncompressed, "floor_gzip_secs": floor_secs,
                "load_avg_start": load_start, "load_avg_end": load_end, "runs": runs,
                "ratio": ratio, "checks_failed": [i[1] for i in checks.failed],
            }, f, indent=1)
        print(f"\n(all figures: {args.json_out})")
    if checks.failed:
        print(f"\ncompare: FAILED: {len(checks.failed)} check(s) disagree: flowlens and DuckDB do not give the same answers",
              file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------
# Browser: what browser.mjs measured.


def browser(args):
    with open(args.result) as f:
        res = json.load(f)
    page_runs = res.get("page", {}).get("runs", [])
    duck_runs = res.get("duckdb", {}).get("runs", [])
    print()
    print(f"flowlens page vs DuckDB-WASM, headless Chromium {res.get('chromium', '?')} — "
          f"{res['files']} files, {fmt_mb(res['compressed_bytes'])} gzip")
    print(f"machine: {os.cpu_count()} cores; load average at start {res.get('load_start')}, at end {res.get('load_end')}; "
          f"DuckDB-WASM {res.get('duckdb', {}).get('version', '?')}, bundle {res.get('duckdb', {}).get('bundle', '?')}")
    print()
    print(f"  {'':52} {'median':>10} {'runs':>24} {'CPU':>9} {'peak RSS':>10}")

    def row(name, values, rs=None):
        if not values:
            print(f"  {name:52} {'-':>10}")
            return
        runs_text = " ".join(f"{v:.2f}" for v in values)
        cpu = [r["chromium_cpu_secs"] for r in rs or [] if r.get("chromium_cpu_secs") is not None]
        cpu_text = f"{median(cpu):.2f} s" if cpu else ""
        rss = max((r.get("chromium_rss_peak") or 0 for r in rs or []), default=0)
        rss_text = fmt_mb(rss) if rss else ""
        print(f"  {name:52} {fmt_secs(median(values)):>10} {runs_text:>24} {cpu_text:>9} {rss_text:>10}")

    status = 0
    if page_runs:
        row("flowlens page: files given -> data-state=ready", [r["ready_secs"] for r in page_runs], page_runs)
        row("  same, measured from node (setInputFiles..ready)", [r["node_secs"] for r in page_runs])
        row("  then the 02:00 window picked -> ready", [r["window_secs"] for r in page_runs if r.get("window_secs") is not None])
        for e in sorted({r["window_error"] for r in page_runs if r.get("window_error")}):
            print(f"    the window could not be picked: {e}")
    else:
        print(f"  flowlens page: no runs ({res.get('page', {}).get('skipped', 'failed, see below')})")
    if duck_runs:
        row("DuckDB-WASM: files given -> last answer", [r["total_secs"] for r in duck_runs], duck_runs)
        row("  same, measured from node (setInputFiles..answer)", [r["node_secs"] for r in duck_runs])
        handles = duck_runs[0].get("input") == "handle"
        row("  of which File -> ArrayBuffer", [r["read_secs"] for r in duck_runs]) if not handles else None
        row("  of which registerFile" + ("Handle" if handles else "Buffer"), [r["register_secs"] for r in duck_runs])
        row("  of which read_csv into the table", [r["load_secs"] for r in duck_runs])
        row("  of which the queries", [r["query_secs"] for r in duck_runs])
    else:
        print("  DuckDB-WASM: no runs (failed, see below)")
        status = 1
    for side in ("page", "duckdb"):
        for e in res.get(side, {}).get("errors", [])[:10]:
            print(f"  {side} reported: {e}")
    for side in ("page", "duckdb"):
        if res.get(side, {}).get("error"):
            print(f"  {side} run FAILED: {res[side]['error']}")
            status = 1
    print("  (CPU: user + system time of all Chromium processes during the run; peak RSS: their RSS")
    print("   summed, sampled every 100 ms, shared pages counted more than once)")
    print()
    if page_runs and duck_runs:
        ratio = median([r["ready_secs"] for r in page_runs]) / median([r["total_secs"] for r in duck_runs])
        print(f"  ratio flowlens page / DuckDB-WASM: {ratio:.3f}  "
              f"(target <= {BROWSER_TARGET:.3f}: {'met' if ratio <= BROWSER_TARGET else 'NOT met'})")
        pc = [r["chromium_cpu_secs"] for r in page_runs if r.get("chromium_cpu_secs")]
        dc = [r["chromium_cpu_secs"] for r in duck_runs if r.get("chromium_cpu_secs")]
        if pc and dc:
            print(f"  ratio of CPU time (page / DuckDB-WASM): {median(pc) / median(dc):.3f}")
        print()

    if duck_runs:
        duck = res["duckdb"]["results"]
        if page_runs and res.get("page", {}).get("report"):
            print("checks (the page's downloaded reports against DuckDB-WASM's rows):")
            checks = check_answers(res["page"]["report"], res["page"].get("window_report"), duck, "the page")
        elif res.get("native_report"):
            print("checks (no page: the CLI's reports against DuckDB-WASM's rows):")
            checks = check_answers(res["native_report"], res.get("native_window_report"), duck)
        else:
            checks = None
        if checks is not None:
            checks.print()
            if checks.failed:
                print(f"\ncompare: FAILED: {len(checks.failed)} check(s) disagree", file=sys.stderr)
                status = 1
    return status


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    n = sub.add_parser("native")
    n.add_argument("dir")
    n.add_argument("--flowlens", required=True)
    n.add_argument("--python", required=True, help="a python with the duckdb package")
    n.add_argument("--runs", type=int, default=3)
    n.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    n.add_argument("--json-out")
    b = sub.add_parser("browser")
    b.add_argument("result")
    args = parser.parse_args()
    sys.exit(native(args) if args.mode == "native" else browser(args))


if __name__ == "__main__":
    main()

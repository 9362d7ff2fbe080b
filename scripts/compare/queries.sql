-- The five questions of docs/investigation.md as DuckDB SQL: what a responder would write by
-- hand instead of using flowlens. Shared by the native run (duckdb_run.py, Python
-- `duckdb`) and the browser run (bench.js, DuckDB-WASM), so both engines answer exactly
-- the same queries.
--
-- Each section starts with `-- name: NAME`. Placeholders, filled in by the runners:
--   {files}    the input: a glob string (native) or a list of registered names (WASM)
--   {suspect}  the address to explain (DuckDB is told it; flowlens finds it itself)
--   {port}     the service port (3306)
--   {from} {to} the window of question 1, Unix seconds, [from, to) on `start`
--   {k}        threshold = mean + k·σ
--   {flow}     the condition that a record is a flow (below, same as flowlens' is_flow):
--              both addresses present, log-status neither NODATA nor SKIPDATA

-- name: flow
srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')

-- name: load
CREATE TABLE flows AS
SELECT * FROM read_csv({files},
    delim = ' ', header = true, nullstr = '-', auto_detect = false,
    columns = {
        'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',
        'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER',
        'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT',
        'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'
    })

-- name: records
SELECT count(*) AS records FROM flows

-- Question 1: who talked to it in the window? One row per source address: its flows,
-- packets and bytes sent, bytes it received, first start and last end on either side.
-- name: sources
WITH f AS (
    SELECT srcaddr, dstaddr, packets, bytes, start, "end" FROM flows
    WHERE {flow} AND start >= {from} AND start < {to}
), sent AS (
    SELECT srcaddr AS addr, count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes_sent,
           min(start) AS first_start, max("end") AS last_end
    FROM f GROUP BY srcaddr
), received AS (
    SELECT dstaddr AS addr, sum(bytes) AS bytes_received, min(start) AS first_start, max("end") AS last_end
    FROM f GROUP BY dstaddr
)
SELECT s.addr, s.flows, s.packets, s.bytes_sent, coalesce(r.bytes_received, 0) AS bytes_received,
       least(s.first_start, coalesce(r.first_start, s.first_start)) AS first_start,
       greatest(s.last_end, coalesce(r.last_end, s.last_end)) AS last_end
FROM sent s LEFT JOIN received r ON r.addr = s.addr
ORDER BY s.flows DESC, s.addr

-- Questions 2 and 3: when did the suspect first connect and when did it leave, over all
-- the data and inside the window.
-- name: span
SELECT min(start) AS first_start, max("end") AS last_end, count(*) AS flows,
       min(start) FILTER (WHERE start >= {from} AND start < {to}) AS window_first_start,
       max("end") FILTER (WHERE start >= {from} AND start < {to}) AS window_last_end
FROM flows
WHERE {flow} AND (srcaddr = '{suspect}' OR dstaddr = '{suspect}')

-- Question 4: what did it take? Every flow to the suspect in time order, their totals,
-- and a power-of-two histogram (bin i >= 1 holds [2^(i-1), 2^i), bin 0 holds 0).
-- name: flows_to
SELECT start, "end", bytes, srcaddr, srcport, dstport
FROM flows
WHERE {flow} AND dstaddr = '{suspect}' AND bytes IS NOT NULL
ORDER BY start, "end"

-- name: flows_to_total
SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes_total, coalesce(max(bytes), 0) AS bytes_max
FROM flows
WHERE {flow} AND dstaddr = '{suspect}' AND bytes IS NOT NULL

-- name: histogram
SELECT CASE WHEN bytes = 0 THEN 0 ELSE CAST(floor(log2(bytes)) AS INTEGER) + 1 END AS bin, count(*) AS count
FROM flows
WHERE {flow} AND dstaddr = '{suspect}' AND bytes IS NOT NULL
GROUP BY bin ORDER BY bin

-- Question 5: is that abnormal? The baseline is every flow from the service port over
-- all the data except those to the suspect (mean, sample σ, median, MAD, p99); then the
-- suspect's flows from the service port above mean + k·σ.
-- name: baseline
WITH b AS (
    SELECT bytes FROM flows
    WHERE {flow} AND srcport = {port} AND dstaddr <> '{suspect}' AND bytes IS NOT NULL
), m AS (
    SELECT count(*) AS flows, avg(bytes) AS mean, stddev_samp(bytes) AS stddev,
           quantile_cont(bytes, 0.5) AS median, quantile_cont(bytes, 0.99) AS p99
    FROM b
)
SELECT m.flows, m.mean, m.stddev, m.mean + {k} * m.stddev AS threshold, m.median,
       (SELECT quantile_cont(abs(b.bytes - m.median), 0.5) FROM b) AS mad, m.p99
FROM m

-- name: above
WITH t AS (
    SELECT avg(bytes) + {k} * stddev_samp(bytes) AS threshold FROM flows
    WHERE {flow} AND srcport = {port} AND dstaddr <> '{suspect}' AND bytes IS NOT NULL
)
SELECT count(*) AS flows, coalesce(sum(bytes), 0) AS bytes_total, avg(bytes) AS bytes_avg
FROM flows, t
WHERE {flow} AND srcport = {port} AND dstaddr = '{suspect}' AND bytes > t.threshold

-- flowlens: the five questions as DuckDB SQL.
-- Range: records starting in [2020-09-16T02:00:00Z, 2020-09-16T02:10:00Z).
-- Suspect: 201.48.16.81; service port: 3306; threshold = mean + 3 x sample stddev.
-- Baseline: every flow from port 3306 over all data, the suspect's own flows left out.
-- A flow: both addresses present, log_status neither NODATA nor SKIPDATA.
-- DuckDB. The view reads the files directly (default format, with the header
-- line, gzip or plain); set the path or glob in read_csv to your files.

-- name: setup
-- The table of flow-log records the queries read
CREATE OR REPLACE VIEW flows AS
SELECT * FROM read_csv('flow-logs/**/*.log.gz',
    delim = ' ', header = true, nullstr = '-', auto_detect = false,
    columns = {
        'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',
        'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER',
        'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT',
        'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'
    });

-- name: sources
-- Question 1: who talked to it? Every source address in the range
WITH f AS (
    SELECT srcaddr, dstaddr, packets, bytes, "start", "end" FROM flows
    WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
      AND "start" >= 1600221600 AND "start" < 1600222200
), sent AS (
    SELECT srcaddr AS addr, count(*) AS flows, coalesce(sum(packets), 0) AS packets,
           coalesce(sum(bytes), 0) AS bytes_sent
    FROM f GROUP BY srcaddr
), received AS (
    SELECT dstaddr AS addr, coalesce(sum(bytes), 0) AS bytes_received FROM f GROUP BY dstaddr
), times AS (
    SELECT addr, min("start") AS first_start, max("end") AS last_end FROM (
        SELECT srcaddr AS addr, "start", "end" FROM f
        UNION ALL
        SELECT dstaddr AS addr, "start", "end" FROM f
    ) e GROUP BY addr
)
SELECT s.addr, s.flows, s.packets, s.bytes_sent, coalesce(r.bytes_received, 0) AS bytes_received,
       tm.first_start, tm.last_end
FROM sent s
LEFT JOIN received r ON r.addr = s.addr
LEFT JOIN times tm ON tm.addr = s.addr
ORDER BY s.bytes_sent DESC, s.addr;

-- name: span
-- Questions 2 and 3: first start, last end and duration of the suspect (all data and in the range)
WITH f AS (
    SELECT "start", CASE WHEN "end" IS NULL OR "end" < "start" THEN "start" ELSE "end" END AS end_secs,
           CASE WHEN "start" >= 1600221600 AND "start" < 1600222200 THEN 1 ELSE 0 END AS in_range
    FROM flows
    WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
      AND (srcaddr = '201.48.16.81' OR dstaddr = '201.48.16.81') AND "start" IS NOT NULL
)
SELECT min("start") AS first_start, max(end_secs) AS last_end,
       max(end_secs) - min("start") AS duration_secs,
       min(CASE WHEN in_range = 1 THEN "start" END) AS range_first_start,
       max(CASE WHEN in_range = 1 THEN end_secs END) AS range_last_end
FROM f;

-- name: sessions
-- Question 3: the suspect's sessions (a new one starts a gap after the latest end so far)
WITH f AS (
    SELECT "start", CASE WHEN "end" IS NULL OR "end" < "start" THEN "start" ELSE "end" END AS end_secs, coalesce(bytes, 0) AS bytes FROM flows
    WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
      AND (srcaddr = '201.48.16.81' OR dstaddr = '201.48.16.81') AND "start" IS NOT NULL
), g AS (
    SELECT "start", end_secs, bytes,
           max(end_secs) OVER (ORDER BY "start", end_secs, bytes
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM f
), s AS (
    SELECT "start", end_secs, bytes,
           sum(CASE WHEN prev_end IS NULL OR "start" >= prev_end + 1200 THEN 1 ELSE 0 END)
               OVER (ORDER BY "start", end_secs, bytes ROWS UNBOUNDED PRECEDING) AS session
    FROM g
)
SELECT session, min("start") AS session_start, max(end_secs) AS session_end,
       count(*) AS flows, sum(bytes) AS bytes
FROM s GROUP BY session ORDER BY session;

-- name: flows_to
-- Question 4: what did it take? Every flow to the suspect over its whole stay, in time order (in_range: started in the range)
SELECT "start", "end", bytes, srcaddr, srcport, dstport,
       CASE WHEN "start" >= 1600221600 AND "start" < 1600222200 THEN 1 ELSE 0 END AS in_range
FROM flows
WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
  AND "start" IS NOT NULL
  AND dstaddr = '201.48.16.81' AND bytes IS NOT NULL
ORDER BY "start", "end";

-- name: flows_to_total
-- Question 4: their count, bytes and largest flow (records without bytes apart), and the range's share
SELECT count(bytes) AS count, coalesce(sum(bytes), 0) AS bytes_total,
       coalesce(max(bytes), 0) AS bytes_max, count(*) - count(bytes) AS bytes_missing,
       count(CASE WHEN "start" >= 1600221600 AND "start" < 1600222200 THEN bytes END) AS range_count,
       coalesce(sum(CASE WHEN "start" >= 1600221600 AND "start" < 1600222200 THEN bytes END), 0) AS range_bytes_total
FROM flows
WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
  AND "start" IS NOT NULL
  AND dstaddr = '201.48.16.81';

-- name: histogram
-- Question 4: their sizes in power-of-two bins (bin 0 holds 0, bin i holds [2^(i-1), 2^i))
SELECT bin, count(*) AS count FROM (
    SELECT CASE WHEN bytes = 0 THEN 0 ELSE CAST(floor(log2(bytes)) AS BIGINT) + 1 END AS bin FROM flows
    WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
      AND "start" IS NOT NULL
      AND dstaddr = '201.48.16.81' AND bytes IS NOT NULL
) h
GROUP BY bin ORDER BY bin;

-- name: baseline
-- Question 5: the baseline of the service's responses over all data
WITH b AS (
    SELECT CAST(bytes AS DOUBLE) AS bytes FROM flows
    WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
      AND srcport = 3306 AND bytes IS NOT NULL AND dstaddr <> '201.48.16.81'
), m AS (
    SELECT count(*) AS flows, coalesce(avg(b.bytes), 0) AS mean,
           coalesce(stddev_samp(b.bytes), 0) AS stddev,
           quantile_cont(b.bytes, 0.5) AS median, quantile_cont(b.bytes, 0.99) AS p99
    FROM b
), d AS (
    SELECT quantile_cont(abs(b.bytes - m.median), 0.5) AS mad,
           count(CASE WHEN b.bytes > m.mean + 3.0::DOUBLE * m.stddev THEN 1 END) AS flows_above
    FROM b CROSS JOIN m
)
SELECT m.flows, m.mean, m.stddev, m.mean + 3.0::DOUBLE * m.stddev AS threshold,
       m.median, d.mad, m.p99, d.flows_above
FROM m CROSS JOIN d;

-- name: above
-- Question 5: the suspect's flows from the service port over its whole stay, and those above the threshold
WITH b AS (
    SELECT CAST(bytes AS DOUBLE) AS bytes FROM flows
    WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
      AND srcport = 3306 AND bytes IS NOT NULL AND dstaddr <> '201.48.16.81'
), th AS (
    SELECT coalesce(avg(b.bytes), 0) + 3.0::DOUBLE * coalesce(stddev_samp(b.bytes), 0) AS threshold FROM b
), s AS (
    SELECT bytes FROM flows
    WHERE coalesce(srcaddr, '-') <> '-' AND coalesce(dstaddr, '-') <> '-' AND coalesce(log_status, '') NOT IN ('NODATA', 'SKIPDATA')
      AND "start" IS NOT NULL
      AND srcport = 3306 AND dstaddr = '201.48.16.81' AND bytes IS NOT NULL
)
SELECT count(*) AS suspect_flows,
       count(CASE WHEN s.bytes > th.threshold THEN 1 END) AS flows,
       coalesce(sum(CASE WHEN s.bytes > th.threshold THEN s.bytes END), 0) AS bytes_total,
       coalesce(avg(CASE WHEN s.bytes > th.threshold THEN CAST(s.bytes AS DOUBLE) END), 0) AS bytes_avg
FROM s CROSS JOIN th;

-- Queries and transactions across engines: a row-store table joined with a
-- column-store table, vector search restricted by ordinary predicates, a
-- continuous aggregate joined with a row-store table, and one transaction
-- writing to four engines (all or nothing, one snapshot).
CREATE TABLE xe_customers (id int PRIMARY KEY, country text NOT NULL);
CREATE TABLE xe_history (customer_id int, amount numeric(10,2), at date) USING columnar;
CREATE TABLE xe_docs (id int PRIMARY KEY, category text, at date, embedding vector(3));
INSERT INTO xe_customers SELECT g, (ARRAY['DE','FR','US'])[1 + g % 3] FROM generate_series(1, 300) g;
INSERT INTO xe_history SELECT 1 + g % 300, (g % 97) + 0.5, date '2024-01-01' + g % 365
  FROM generate_series(1, 30000) g;
-- (an INSERT ... SELECT this large wrote row groups: nothing to merge)
SELECT epiphany.columnar_merge('xe_history');
INSERT INTO xe_docs
SELECT g, (ARRAY['news','howto','faq'])[1 + g % 3], date '2024-01-01' + g % 60,
       ARRAY[sin(g), cos(g), g % 7]::vector
  FROM generate_series(1, 600) g;
CREATE INDEX ON xe_docs USING hnsw (embedding vector_l2_ops);

-- Row store joined with column store: the same answer as through a heap copy.
CREATE TABLE xe_history_heap AS SELECT * FROM xe_history;
SELECT c.country, count(*), sum(h.amount)
  FROM xe_customers c JOIN xe_history h ON h.customer_id = c.id
 WHERE h.at >= date '2024-06-01'
 GROUP BY c.country ORDER BY c.country;
SELECT c.country, count(*), sum(h.amount)
  FROM xe_customers c JOIN xe_history_heap h ON h.customer_id = c.id
 WHERE h.at >= date '2024-06-01'
 GROUP BY c.country ORDER BY c.country;
EXPLAIN (COSTS OFF)
SELECT c.country, count(*)
  FROM xe_customers c JOIN xe_history h ON h.customer_id = c.id
 WHERE h.at >= date '2024-06-01'
 GROUP BY c.country;

-- Vector search restricted by a time range and a category: the index scan
-- and the exact search agree.
SET hnsw.ef_search = 200;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM xe_docs
 WHERE category = 'howto' AND at BETWEEN date '2024-01-10' AND date '2024-02-10'
 ORDER BY embedding <-> '[0.5, 0.5, 3]' LIMIT 5;
SELECT id FROM xe_docs
 WHERE category = 'howto' AND at BETWEEN date '2024-01-10' AND date '2024-02-10'
 ORDER BY embedding <-> '[0.5, 0.5, 3]' LIMIT 5;
SET enable_indexscan = off;
SELECT id FROM xe_docs
 WHERE category = 'howto' AND at BETWEEN date '2024-01-10' AND date '2024-02-10'
 ORDER BY embedding <-> '[0.5, 0.5, 3]' LIMIT 5;
RESET enable_indexscan;
RESET enable_seqscan;
RESET hnsw.ef_search;

-- A continuous aggregate of a hypertable joined with a row-store table:
-- materialized buckets plus the real-time part (rows written after the
-- refresh) give what the raw rows give.
CREATE TABLE xe_devices (id int PRIMARY KEY, site text NOT NULL);
INSERT INTO xe_devices SELECT g, (ARRAY['north','south'])[1 + g % 2] FROM generate_series(1, 4) g;
CREATE TABLE xe_readings (time timestamptz NOT NULL, device_id int NOT NULL, temperature float8);
SELECT created FROM create_hypertable('xe_readings', 'time', chunk_time_interval => interval '1 day');
INSERT INTO xe_readings
SELECT timestamptz '2024-03-01 00:00+00' + g * interval '10 minutes', 1 + g % 4, 20 + g % 11
  FROM generate_series(0, 431) g;
CREATE MATERIALIZED VIEW xe_readings_hourly WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) AS hour, device_id, avg(temperature) AS avg_temp, count(*) AS n
  FROM xe_readings GROUP BY 1, 2 WITH NO DATA;
CALL refresh_continuous_aggregate('xe_readings_hourly', NULL, NULL);
INSERT INTO xe_readings
SELECT timestamptz '2024-03-04 00:00+00' + g * interval '10 minutes', 1 + g % 4, 30
  FROM generate_series(0, 35) g;
SELECT d.site, sum(r.n) AS readings, round(sum(r.avg_temp * r.n)::numeric / sum(r.n), 4) AS avg_temp
  FROM xe_readings_hourly r JOIN xe_devices d ON d.id = r.device_id
 GROUP BY d.site ORDER BY d.site;
SELECT d.site, count(*) AS readings, round(avg(x.temperature)::numeric, 4) AS avg_temp
  FROM xe_readings x JOIN xe_devices d ON d.id = x.device_id
 GROUP BY d.site ORDER BY d.site;

-- One transaction over four engines: rolled back, nothing stays; committed,
-- everything does.
BEGIN;
INSERT INTO xe_customers VALUES (301, 'JP');
INSERT INTO xe_history VALUES (301, 10.00, date '2024-12-31');
INSERT INTO xe_docs VALUES (601, 'news', date '2024-12-31', '[1,1,1]');
INSERT INTO xe_readings VALUES ('2024-12-31 00:00+00', 1, 99);
ROLLBACK;
SELECT (SELECT count(*) FROM xe_customers WHERE id = 301) AS customers,
       (SELECT count(*) FROM xe_history WHERE customer_id = 301) AS history,
       (SELECT count(*) FROM xe_docs WHERE id = 601) AS docs,
       (SELECT count(*) FROM xe_readings WHERE time = '2024-12-31 00:00+00') AS readings,
       (SELECT count(*) FROM show_chunks('xe_readings')) AS chunks;
BEGIN;
INSERT INTO xe_customers VALUES (301, 'JP');
INSERT INTO xe_history VALUES (301, 10.00, date '2024-12-31');
INSERT INTO xe_docs VALUES (601, 'news', date '2024-12-31', '[1,1,1]');
INSERT INTO xe_readings VALUES ('2024-12-31 00:00+00', 1, 99);
UPDATE xe_history SET amount = amount + 1 WHERE customer_id = 7;
DELETE FROM xe_docs WHERE id = 1;
COMMIT;
SELECT (SELECT count(*) FROM xe_customers WHERE id = 301) AS customers,
       (SELECT count(*) FROM xe_history WHERE customer_id = 301) AS history,
       (SELECT count(*) FROM xe_docs WHERE id IN (1, 601)) AS docs,
       (SELECT count(*) FROM xe_readings WHERE time = '2024-12-31 00:00+00') AS readings,
       (SELECT sum(amount) FROM xe_history WHERE customer_id = 7) -
       (SELECT sum(amount) FROM xe_history_heap WHERE customer_id = 7) AS added;
DROP MATERIALIZED VIEW xe_readings_hourly;
DROP TABLE xe_customers, xe_history, xe_history_heap, xe_docs, xe_readings, xe_devices;

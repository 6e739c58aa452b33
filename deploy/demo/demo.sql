-- deploy/demo/demo.sql
--	The demo database that `make run` loads once into database "epiphany":
--	one table per engine, with dates relative to now(), so that "the last 24
--	hours" and "the last 30 days" find rows.  Deterministic contents
--	(setseed) apart from the dates.  Loads in well under a minute on 2 cores.
--
-- Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.

\set ON_ERROR_STOP 1
SELECT setseed(0.2026);

-- Row store: customers, products and orders, with keys and foreign keys.
CREATE TABLE customers (
    id      int PRIMARY KEY,
    name    text NOT NULL,
    country text NOT NULL,
    joined  date NOT NULL
);
INSERT INTO customers
SELECT g, 'customer ' || g,
       (ARRAY['DE','FR','US','JP','BR','IN','NG','AU'])[1 + g % 8],
       current_date - (g % 1500)
  FROM generate_series(1, 10000) g;

CREATE TABLE products (
    id       int PRIMARY KEY,
    name     text NOT NULL,
    category text NOT NULL,
    price    numeric(10,2) NOT NULL
);
INSERT INTO products
SELECT g, 'product ' || g,
       (ARRAY['books','garden','kitchen','sports','toys','electronics','music','office'])[1 + g % 8],
       round((5 + random() * 495)::numeric, 2)
  FROM generate_series(1, 1000) g;

CREATE TABLE orders (
    id          bigint PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers (id),
    product_id  int NOT NULL REFERENCES products (id),
    quantity    int NOT NULL,
    order_date  date NOT NULL
);
INSERT INTO orders
SELECT g, 1 + (random() * 9999)::int, 1 + (random() * 999)::int,
       1 + (random() * 9)::int, current_date - (random() * 90)::int
  FROM generate_series(1, 200000) g;
CREATE INDEX orders_order_date ON orders (order_date);

-- Column store: years of past orders, append-only and scanned in bulk.
CREATE TABLE order_history (
    id          bigint,
    customer_id int,
    product_id  int,
    quantity    int,
    amount      numeric(12,2),
    order_date  date
) USING columnar;
SELECT epiphany.columnar_set_options('order_history', orderby => 'order_date');
INSERT INTO order_history
SELECT g, 1 + (random() * 9999)::int, 1 + (random() * 999)::int, q,
       round((q * (5 + random() * 495))::numeric, 2),
       current_date - 90 - (g % 1800)
  FROM generate_series(1, 1000000) g, LATERAL (SELECT 1 + (random() * 9)::int AS q) x;
SELECT epiphany.columnar_merge('order_history');

-- Time series: readings of 50 devices every minute for the last 7 days, in
-- a hypertable of one-day chunks that keeps 30 days of data, with an
-- hourly continuous aggregate.
CREATE TABLE sensor_data (
    "timestamp"  timestamptz NOT NULL,
    device_id    int NOT NULL,
    temperature  double precision,
    humidity     double precision
);
SELECT create_hypertable('sensor_data', by_range('timestamp', interval '1 day'));
CREATE INDEX sensor_data_device_time ON sensor_data (device_id, "timestamp" DESC);
SELECT add_retention_policy('sensor_data', drop_after => interval '30 days');
INSERT INTO sensor_data
SELECT ts, d, round((20 + 5 * sin(extract(epoch FROM ts) / 43200 + d) + random())::numeric, 2),
       round((50 + 20 * cos(extract(epoch FROM ts) / 86400 + d) + random() * 2)::numeric, 2)
  FROM generate_series(date_trunc('minute', now()) - interval '7 days',
                       date_trunc('minute', now()), interval '1 minute') ts,
       generate_series(1, 50) d;
ANALYZE sensor_data;
-- An hourly roll-up kept fresh by a policy; real-time, so the current hour
-- shows too.  Retention on sensor_data leaves its buckets alone.
CREATE MATERIALIZED VIEW sensor_data_hourly WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', "timestamp") AS hour, device_id,
       avg(temperature) AS avg_temperature, max(temperature) AS max_temperature,
       min(temperature) AS min_temperature, avg(humidity) AS avg_humidity, count(*) AS readings
  FROM sensor_data GROUP BY hour, device_id;
SELECT add_continuous_aggregate_policy('sensor_data_hourly', start_offset => interval '3 days',
                                       end_offset => interval '1 hour',
                                       schedule_interval => interval '30 minutes');

-- Vector store: documents with model-free embeddings and an hnsw index.
CREATE TABLE documents (
    id        int PRIMARY KEY,
    content   text NOT NULL,
    embedding vector(384)
);
INSERT INTO documents (id, content)
SELECT g, format('%s %s about %s for %s teams',
                 (ARRAY['A guide','Notes','A checklist','Lessons','An overview'])[1 + g % 5],
                 (ARRAY['on scaling','on tuning','on monitoring','on migrating','on securing'])[1 + (g / 5) % 5],
                 (ARRAY['columnar storage','vector search','time series','transactions',
                        'backups','replication','indexes','query planning'])[1 + (g / 25) % 8],
                 (ARRAY['small','growing','platform','data','product'])[1 + (g / 200) % 5])
  FROM generate_series(1, 5000) g;
UPDATE documents SET embedding = epiphany.embed_text(content, 384);
CREATE INDEX documents_embedding ON documents USING hnsw (embedding vector_l2_ops);

ANALYZE;

-- epiphany.embed_text: deterministic, normalised, lexical embeddings.
SELECT vector_dims(epiphany.embed_text('hello world')) AS default_dims,
       vector_dims(epiphany.embed_text('hello world', 16)) AS dims16;
SELECT round(vector_norm(epiphany.embed_text('The quick brown fox'))::numeric, 6) AS norm;
SELECT epiphany.embed_text('Hello, World!', 8) = epiphany.embed_text('hello world', 8) AS case_and_punctuation_ignored;
SELECT epiphany.embed_text('', 4) AS empty_text, epiphany.embed_text('...', 4) AS no_word;

-- Texts sharing words and spellings are closer than unrelated ones.
WITH t(name, body) AS (VALUES
    ('query', 'postgres columnar storage compression'),
    ('close', 'columnar compression in postgres storage engines'),
    ('spelling', 'postgre column store compressed'),
    ('far', 'a recipe for tomato soup with basil'))
SELECT name, rank() OVER (ORDER BY epiphany.embed_text(body) <=> (SELECT epiphany.embed_text(body) FROM t WHERE name = 'query'))
  FROM t WHERE name <> 'query' ORDER BY 2;

-- Usable for similarity search with an hnsw index.
CREATE TABLE notes (id int PRIMARY KEY, body text, embedding vector(64));
INSERT INTO notes
SELECT g, 'note ' || g || ' about ' || (ARRAY['vectors','columns','time series','rows'])[g % 4 + 1],
       epiphany.embed_text('note ' || g || ' about ' || (ARRAY['vectors','columns','time series','rows'])[g % 4 + 1], 64)
  FROM generate_series(1, 200) g;
CREATE INDEX ON notes USING hnsw (embedding vector_cosine_ops);
SELECT count(*) FILTER (WHERE body LIKE '%time series%') AS about_time_series
  FROM (SELECT body FROM notes
         ORDER BY embedding <=> epiphany.embed_text('time series', 64) LIMIT 10) top;
DROP TABLE notes;

\set VERBOSITY terse
SELECT epiphany.embed_text('x', 0);
SELECT epiphany.embed_text('x', 16001);
\set VERBOSITY default

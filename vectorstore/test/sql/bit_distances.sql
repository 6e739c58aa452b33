-- Hamming (<~>) and Jaccard (<%>) distances between bit strings, the
-- distances of binary-quantized vectors.

SELECT B'1010' <~> B'0110' AS hamming_2, hamming_distance(B'1111', B'1111') AS hamming_0,
       hamming_distance(B'111000111', B'000111000') AS hamming_9;
-- Jaccard: 1 - |a & b| / |a | b|; no common bit (both empty too) gives 1.
SELECT B'1110' <%> B'0110' AS jaccard_third, jaccard_distance(B'1100', B'1100') AS jaccard_0,
       jaccard_distance(B'1000', B'0100') AS disjoint, jaccard_distance(B'0000', B'0000') AS empty;
-- Lengths that are not whole bytes or words: counted over whole bytes,
-- since the pad bits of a bit string are zero.
SELECT (repeat('1', 67)::bit(67)) <~> (repeat('0', 67)::bit(67)) AS all_67,
       (repeat('10', 40)::bit(80)) <%> (repeat('11', 40)::bit(80)) AS half_80;
-- With binary_quantize.
SELECT binary_quantize('[1,-1,1,-1]'::vector) <~> binary_quantize('[1,1,-1,-1]'::vector) AS quantized;
\set VERBOSITY terse
SELECT B'101' <~> B'1010';
SELECT B'101' <%> B'10';
\set VERBOSITY default

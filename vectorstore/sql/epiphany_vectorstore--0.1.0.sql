/* vectorstore/sql/epiphany_vectorstore--0.1.0.sql: the vector engine. */

\echo Use "CREATE EXTENSION epiphany_vectorstore" to load this file. \quit

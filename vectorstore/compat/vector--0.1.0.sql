/* vectorstore/compat/vector--0.1.0.sql: pgvector's extension name for the
   EpiphanyDB vector store.  Every object belongs to epiphany_vectorstore,
   which this extension requires; there is nothing to create here. */

\echo Use "CREATE EXTENSION vector" to load this file. \quit

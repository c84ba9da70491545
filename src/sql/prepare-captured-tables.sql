-- Prepares the captured tables for change data capture. Generated from config by the <env>-database
-- stack and applied with psql on every change of its hash. Idempotent: running it twice changes nothing.
-- It never drops or recreates a table: it creates the ones the pipeline owns if they are missing, and
-- sets the replica identity of each (taking the table's lock only when the identity actually changes).
\set ON_ERROR_STOP on
-- Fail fast instead of queueing an ALTER TABLE behind long transactions (and the application behind it).
SET lock_timeout = '10s';
BEGIN;
{{statements}}
COMMIT;

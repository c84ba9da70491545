-- Prepares the captured tables for change data capture. Generated from config by the <env>-database
-- stack and applied with psql on every change of its hash. Idempotent: running it twice changes nothing.
-- It never drops or recreates a table: it creates the ones the pipeline owns if they are missing, and
-- sets the replica identity of each (taking the table's lock only when the identity actually changes).
--
-- Every name and value from the config is inside the one dollar-quoted DO block below, as a quoted
-- identifier or literal, and the block's tag is one its content does not hold: psql acts on backslash
-- commands anywhere outside quotes, and sees none here whatever a name or default holds.
\set ON_ERROR_STOP on
SET standard_conforming_strings = on;
-- ALTER TABLE waits at most this long for a table's lock, then lets the queries queued behind it go and
-- retries later: the application stalls for one short wait at a time, never for the whole apply.
SET lock_timeout = '{{lockTimeout}}';
DO {{tag}}
{{block}}
{{tag}};

-- Drops the pipeline's replication slot so that it cannot hold WAL after its reader is gone.
-- Usage: psql --set slot=<slot name> --file drop-replication-slot.sql  (see scripts/drop-replication-slot.sh;
-- the connectors stack's destroy runs the same text, see src/constructs/postgres/replication-slot-lifecycle.ts)
-- A slot still in use by a connector is refused, never taken from it: pg_drop_replication_slot does not
-- wait and terminates nobody; it fails (psql exit 3) after the "is still active" line below.
\set ON_ERROR_STOP on
\pset footer off
SELECT slot_name, active, active_pid,
       pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained_wal
  FROM pg_replication_slots WHERE slot_name = :'slot';
SELECT count(*) > 0 AS slot_exists, coalesce(bool_or(active), false) AS slot_active,
       format('slot %s is still active: delete the connector (or the connectors stack) first, then run this again (read by backend pid %s)',
              :'slot', max(active_pid)) AS slot_active_message
  FROM pg_replication_slots WHERE slot_name = :'slot' \gset
\if :slot_active
  \echo :slot_active_message
\endif
\if :slot_exists
  SELECT pg_drop_replication_slot(:'slot');
\endif
\echo 'slot' :slot 'is gone'

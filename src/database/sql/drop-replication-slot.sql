-- Drops the pipeline's replication slot so that it cannot hold WAL after the pipeline is gone.
-- Usage: psql -v slot=<slot name> -f drop-replication-slot.sql   (see scripts/drop-replication-slot.sh)
-- A slot still in use by a connector is refused here: stop or delete the connector first.
\set ON_ERROR_STOP on
SELECT slot_name, active, active_pid, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained_wal
  FROM pg_replication_slots WHERE slot_name = :'slot';
SELECT pg_drop_replication_slot(slot_name)
  FROM pg_replication_slots WHERE slot_name = :'slot' AND NOT active;
SELECT count(*) AS slots_left FROM pg_replication_slots WHERE slot_name = :'slot' \gset
\if :slots_left
  \echo 'slot' :slot 'is still active: delete the connector (or the connectors stack) first, then run this again'
  \quit 3
\endif
\echo 'slot' :slot 'is gone'

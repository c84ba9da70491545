#!/usr/bin/env bash
# Drops the pipeline's logical replication slot, what the seed lab did by hand with
# pg_drop_replication_slot('debezium'), so that no slot keeps holding WAL once its reader is gone.
# `destroy` of the connectors stack already does this, once the connector is deleted (Debezium creates
# the slot; see src/constructs/postgres/replication-slot-lifecycle.ts); this is for a slot left behind
# by hand, by a destroy that could not reach the database, or by a pipeline older than that.
#
# Usage:  scripts/drop-replication-slot.sh <slot name>
# Connection: the usual libpq variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE).
# Exit codes: 0 the slot is gone (or never existed), 3 it is still in use by a connector (or another SQL
# error, printed), 2 usage or no connection. It never terminates the slot's reader.
set -euo pipefail
if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 <slot name>   (e.g. the database stack's replication_slot_name output)" >&2
  exit 2
fi
exec psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --set slot="$1" \
  --file "$(dirname "$0")/../src/sql/drop-replication-slot.sql"

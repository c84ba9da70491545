-- Checks, before the database stack creates anything, that this server can serve the pipeline's logical
-- replication (Debezium's pgoutput slot and its WAL sender), and that the login running it can give the
-- CDC role the right to replicate. Read-only: it changes nothing. Every problem found is reported at
-- once, each with its fix, and the script fails (psql exits 3); a risky setting is only a WARNING.
-- Rendered by logical-replication-check.ts: each placeholder becomes a literal of our code, quoted there.
\set ON_ERROR_STOP on
SET standard_conforming_strings = on;
DO {{tag}}
DECLARE
  rds constant boolean := {{isRds}};
  -- The pipeline's slot, when known: where it exists already, it needs no free slot.
  pipeline_slot constant text := {{slotName}};
  major constant integer := current_setting('server_version_num')::integer / 10000;
  problems text[] := '{}';
  used integer;
  allowed integer;
  me pg_roles%ROWTYPE;
BEGIN
  -- Settings below may not exist on older servers: stop here first.
  IF major < {{oldestMajor}} THEN
    RAISE EXCEPTION '%', {{header}} || chr(10) || '- server version: got ' || current_setting('server_version')
      || {{versionProblem}};
  END IF;
  IF major > {{newestMajor}} THEN
    RAISE WARNING '%', 'server version: got ' || current_setting('server_version') || {{versionWarning}};
  END IF;

  IF current_setting('wal_level') <> 'logical' THEN
    problems := problems || ('wal_level: got ' || current_setting('wal_level') || {{walLevelProblem}});
  END IF;

  IF NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = pipeline_slot) THEN
    SELECT count(*) INTO used FROM pg_replication_slots;
    allowed := current_setting('max_replication_slots')::integer;
    IF used >= allowed THEN
      problems := problems || ('max_replication_slots: got ' || allowed || ', with ' || used
        || ' slots in use' || {{slotsProblem}});
    END IF;
  END IF;

  -- Every WAL sender counts, physical standbys' and backups' included: they share max_wal_senders.
  IF NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = pipeline_slot AND active) THEN
    SELECT count(*) INTO used FROM pg_stat_replication;
    allowed := current_setting('max_wal_senders')::integer;
    IF used >= allowed THEN
      problems := problems || ('max_wal_senders: got ' || allowed || ', with ' || used
        || ' WAL senders in use' || {{walSendersProblem}});
    END IF;
  END IF;

  SELECT * INTO me FROM pg_roles WHERE rolname = current_user;
  IF rds THEN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_replication') THEN
      problems := problems || {{noRdsReplicationProblem}}::text;
    -- RDS lets members of rds_superuser grant rds_replication; ADMIN OPTION on it does too.
    ELSIF NOT (me.rolsuper
        OR EXISTS (SELECT FROM pg_roles r WHERE r.rolname = 'rds_superuser'
                     AND pg_has_role(current_user, r.oid, 'MEMBER'))
        OR EXISTS (SELECT FROM pg_roles r WHERE r.rolname = 'rds_replication'
                     AND pg_has_role(current_user, r.oid, 'MEMBER WITH ADMIN OPTION'))) THEN
      problems := problems || ('login ' || quote_ident(current_user)
        || ': got a role that is not a member of rds_superuser' || {{rdsGrantProblem}});
    END IF;
  -- PostgreSQL 15 and older: only a superuser creates a role WITH REPLICATION; 16 and newer: a role
  -- with CREATEROLE and REPLICATION too (src/backend/commands/user.c, CreateRole).
  ELSIF NOT (me.rolsuper OR (major >= 16 AND me.rolcreaterole AND me.rolreplication)) THEN
    problems := problems || ('login ' || quote_ident(current_user) || ': got '
      || concat_ws(' ', 'NOSUPERUSER',
                   CASE WHEN me.rolcreaterole THEN 'CREATEROLE' ELSE 'NOCREATEROLE' END,
                   CASE WHEN me.rolreplication THEN 'REPLICATION' ELSE 'NOREPLICATION' END)
      || {{superuserProblem}});
  END IF;

  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION '%', {{header}} || chr(10) || '- ' || array_to_string(problems, chr(10) || '- ');
  END IF;

  IF current_setting('max_slot_wal_keep_size') = '-1' THEN
    RAISE WARNING '%', 'max_slot_wal_keep_size: got -1' || {{walKeepWarning}};
  END IF;
END
{{tag}};

  -- REPLICA IDENTITY of each captured table, changed only where it differs: ALTER TABLE takes the table's
  -- ACCESS EXCLUSIVE lock, and while it waits for it, every query on the table queues behind it. So each
  -- change waits at most lock_timeout, commits at once, and is retried after a growing pause, saying
  -- which table it waited for and which sessions held it.
  FOR t IN SELECT * FROM (VALUES
{{rows}}
  ) AS wanted (schema_name, table_name, qualified, identity_code) LOOP
    SELECT c.oid, c.relreplident INTO rel, current_identity
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = t.schema_name AND c.relname = t.table_name;
    IF t.identity_code = 'd' AND NOT EXISTS (SELECT FROM pg_index WHERE indrelid = rel AND indisprimary) THEN
      RAISE EXCEPTION 'table % has no primary key: REPLICA IDENTITY DEFAULT would stop its UPDATEs and DELETEs from being published; use replicaIdentity: full',
        t.qualified;
    END IF;
    CONTINUE WHEN current_identity = t.identity_code;
    identity_sql := CASE t.identity_code WHEN 'f' THEN 'FULL' ELSE 'DEFAULT' END;
    pause_s := {{firstPauseSeconds}};
    FOR attempt IN 1..attempts LOOP
      holders := NULL;
      BEGIN
        EXECUTE format('ALTER TABLE %I.%I REPLICA IDENTITY %s', t.schema_name, t.table_name, identity_sql);
        done := true;
      EXCEPTION WHEN lock_not_available THEN
        done := false;
        -- Who holds the table, oldest transaction first (other roles' queries show only to members of
        -- pg_read_all_stats).
        SELECT string_agg(format('pid %s (%s, role %s, application %s, %s, transaction started %s, query: %s)',
                                 coalesce(l.pid::text, '?'), l.mode, coalesce(a.usename::text, '?'),
                                 coalesce(nullif(a.application_name, ''), '?'), coalesce(a.state, '?'),
                                 coalesce(date_trunc('second', a.xact_start)::text, '?'),
                                 coalesce(left(regexp_replace(a.query, '[[:space:]]+', ' ', 'g'), 120), '?')),
                          '; ' ORDER BY a.xact_start NULLS LAST, l.pid)
          INTO holders
          FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'relation' AND l.relation = rel AND l.granted
           AND l.pid IS DISTINCT FROM pg_backend_pid()
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
      END;
      -- At once: the lock is released before the next table or the next attempt.
      COMMIT;
      EXIT WHEN done;
      holders := coalesce(holders, 'no session visible to ' || current_user || ' (it may have ended)');
      IF attempt = attempts THEN
        RAISE EXCEPTION 'could not set REPLICA IDENTITY % on table %: its lock was not granted within lock_timeout % in any of % attempts; held by %',
          identity_sql, t.qualified, current_setting('lock_timeout'), attempts, holders
          USING HINT = 'End that transaction or wait for it, then apply again: nothing was changed on this table.';
      END IF;
      RAISE NOTICE 'table %: lock not granted within lock_timeout % (attempt % of %, to set REPLICA IDENTITY %); held by %; retrying in % s',
        t.qualified, current_setting('lock_timeout'), attempt, attempts, identity_sql, holders, pause_s;
      PERFORM pg_sleep(pause_s);
      pause_s := pause_s * 2;
    END LOOP;
  END LOOP;

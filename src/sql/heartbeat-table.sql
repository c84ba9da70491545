  -- Debezium's heartbeat table (heartbeat.action.query updates its one row), in capture.heartbeatSchema.
  -- It is in the publication, so each heartbeat reaches the slot and lets it advance while the captured
  -- tables are quiet. A re-run only reads it: the INSERT (and its lock) happens when the row is missing.
  IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = {{schemaLiteral}}) THEN
    CREATE SCHEMA {{schema}};
  END IF;
  IF NOT EXISTS (
    SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = {{schemaLiteral}} AND c.relname = {{tableLiteral}}
  ) THEN
    CREATE TABLE {{qualified}} (id integer PRIMARY KEY, beat_at timestamptz NOT NULL DEFAULT now());
  END IF;
  IF NOT EXISTS (SELECT FROM {{qualified}} WHERE id = 1) THEN
    INSERT INTO {{qualified}} (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
  END IF;

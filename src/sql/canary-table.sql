  -- The pipeline's canary (npm run verify writes one row and waits for it in the lake), beside the
  -- heartbeat table. In the publication and captured like an application table, it carries nothing but
  -- verify's tokens, so verify never touches application rows.
  IF NOT EXISTS (
    SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = {{schemaLiteral}} AND c.relname = {{tableLiteral}}
  ) THEN
    CREATE TABLE {{qualified}} (id integer PRIMARY KEY, token text NOT NULL, written_at timestamptz NOT NULL DEFAULT now());
  END IF;

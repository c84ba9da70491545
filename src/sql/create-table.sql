  -- capture.tables[{{index}}]: owned by the pipeline, created when missing.
  IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = {{schemaLiteral}}) THEN
    CREATE SCHEMA {{schema}};
  END IF;
  IF NOT has_schema_privilege(current_user, {{schemaLiteral}}, 'CREATE') THEN
    RAISE EXCEPTION 'schema % belongs to %, and % may not create % there: set capture.tableOwner to % (the database stack then grants it to %)',
      {{schemaQuoted}},
      (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = {{schemaLiteral}}), current_user,
      {{qualifiedQuoted}},
      (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = {{schemaLiteral}}), current_user;
  END IF;
  IF NOT EXISTS (
    SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = {{schemaLiteral}} AND c.relname = {{tableLiteral}}
  ) THEN
    CREATE TABLE {{qualified}} ({{columns}});
  END IF;

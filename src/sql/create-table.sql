-- {{qualified}}: owned by the pipeline, created when missing.
CREATE SCHEMA IF NOT EXISTS {{schema}};
DO $cdc$
BEGIN
  IF NOT has_schema_privilege(current_user, {{schemaLiteral}}, 'CREATE') THEN
    RAISE EXCEPTION 'schema {{schema}} belongs to %, and % may not create {{qualified}} there: set capture.tableOwner to % (the database stack then grants it to %)',
      (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = {{schemaLiteral}}), current_user,
      (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = {{schemaLiteral}}), current_user;
  END IF;
END
$cdc$;
CREATE TABLE IF NOT EXISTS {{qualified}} ({{columns}});

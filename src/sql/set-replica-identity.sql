-- {{qualified}}: REPLICA IDENTITY {{identity}} ({{why}}).
DO $cdc$
DECLARE
  wanted constant "char" := '{{identityCode}}';
  current_identity "char";
BEGIN
  IF wanted = 'd' AND NOT EXISTS (
    SELECT 1 FROM pg_index WHERE indrelid = '{{qualified}}'::regclass AND indisprimary
  ) THEN
    RAISE EXCEPTION 'table {{qualified}} has no primary key: REPLICA IDENTITY DEFAULT would stop its UPDATEs and DELETEs from being published; use replicaIdentity: full';
  END IF;
  SELECT relreplident INTO current_identity FROM pg_class WHERE oid = '{{qualified}}'::regclass;
  IF current_identity IS DISTINCT FROM wanted THEN
    ALTER TABLE {{qualified}} REPLICA IDENTITY {{identity}};
  END IF;
END
$cdc$;

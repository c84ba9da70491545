-- {{qualified}}: owned by the application, must already exist.
DO $cdc$
DECLARE
  owner_name name;
BEGIN
  -- The catalogs, not to_regclass: the schema may not be readable before the owner role is granted.
  SELECT pg_get_userbyid(c.relowner) INTO owner_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = {{schemaLiteral}} AND c.relname = {{tableLiteral}} AND c.relkind IN ('r', 'p');
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table {{qualified}} does not exist: the application owns it, so create it first, or give capture.tables[].columns to let the pipeline create it';
  END IF;
  -- Setting the replica identity and publishing the table both take its owner's rights.
  IF NOT pg_has_role(current_user, owner_name, 'USAGE') THEN
    RAISE EXCEPTION 'table {{qualified}} is owned by %, and % is not a member of that role: set capture.tableOwner to % (the database stack then grants it to %)',
      owner_name, current_user, owner_name, current_user;
  END IF;
END
$cdc$;

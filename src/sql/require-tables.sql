  -- Tables the application owns: they must exist, and the master must be able to act as their owner.
  FOR t IN SELECT * FROM (VALUES
{{rows}}
  ) AS required (schema_name, table_name, qualified) LOOP
    -- The catalogs, not to_regclass: the schema may not be readable before the owner role is granted.
    SELECT pg_get_userbyid(c.relowner) INTO owner_name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = t.schema_name AND c.relname = t.table_name AND c.relkind IN ('r', 'p');
    IF NOT FOUND THEN
      RAISE EXCEPTION 'table % does not exist: the application owns it, so create it first, or give capture.tables[].columns to let the pipeline create it',
        t.qualified;
    END IF;
    -- Setting the replica identity and publishing the table both take its owner's rights.
    IF NOT pg_has_role(current_user, owner_name, 'USAGE') THEN
      RAISE EXCEPTION 'table % is owned by %, and % is not a member of that role: set capture.tableOwner to % (the database stack then grants it to %)',
        t.qualified, owner_name, current_user, owner_name, current_user;
    END IF;
  END LOOP;

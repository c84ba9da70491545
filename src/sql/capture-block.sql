DECLARE
  attempts constant integer := {{attempts}};
  t record;
  owner_name name;
  rel oid;
  current_identity "char";
  identity_sql text;
  done boolean;
  holders text;
  pause_s numeric;
BEGIN
{{statements}}
END

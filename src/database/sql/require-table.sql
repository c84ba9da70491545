-- {{qualified}}: owned by the application, must already exist.
DO $cdc$
BEGIN
  IF to_regclass('{{qualified}}') IS NULL THEN
    RAISE EXCEPTION 'table {{qualified}} does not exist: the application owns it, so create it first, or give capture.tables[].columns to let the pipeline create it';
  END IF;
END
$cdc$;

import type { Client } from "pg";

/**
 * What makes a table what it is, from the catalogs: the table's own settings, its columns (types,
 * nullability, defaults), constraints, indexes and owned sequences. Two tables created by different SQL
 * are the same table when these are equal (names of sequences and constraints included).
 */
export async function tableShape(c: Client, qualified: string) {
  const rows = async (sql: string) => (await c.query(sql, [qualified])).rows;
  return {
    table:
      await rows(`SELECT relkind, relpersistence, relreplident, pg_get_userbyid(relowner) AS owner, relnatts
                         FROM pg_class WHERE oid = $1::regclass`),
    columns:
      await rows(`SELECT attnum, attname, format_type(atttypid, atttypmod) AS type, attnotnull, atthasdef,
                                attidentity, attgenerated, attcollation::regcollation::text AS collation,
                                pg_get_expr(d.adbin, d.adrelid) AS "default"
                           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                          WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY attnum`),
    constraints: await rows(`SELECT conname, contype, pg_get_constraintdef(oid) AS definition
                               FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname`),
    indexes: await rows(`SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition,
                                indisprimary, indisreplident
                           FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1`),
    sequences:
      await rows(`SELECT s.seqrelid::regclass::text AS name, format_type(seqtypid, NULL) AS type, seqstart,
                                  seqincrement, seqmax, seqmin, seqcache, seqcycle, d.refobjsubid AS owned_by_column
                             FROM pg_sequence s JOIN pg_depend d ON d.objid = s.seqrelid AND d.deptype = 'a'
                            WHERE d.refobjid = $1::regclass ORDER BY 1`),
  };
}

/**
 * Hostile strings for every config field that reaches SQL, and a small SQL lexer to check where they land.
 * Shared by test/config/capture-hostile.test.ts (the parser and the rendered script) and
 * test/postgres/hostile-sql-on-postgres.test.ts (the script on a real server).
 */

/** Each aims at psql (meta-commands, variables), the SQL (quotes, comments, dollar tags) or the shell. */
export const HOSTILE: Record<string, string> = {
  "newline and \\g": "x');\n\\g\nDROP TABLE public.canary; --",
  "\\! shell command": "\\! touch /tmp/cdc-lake-pwned",
  backslashes: "a\\\\b\\'c",
  "single quote": "it's'); DROP TABLE public.canary; --",
  "double quote": 'say "hi"); DROP TABLE public.canary; --',
  "dollar tag": "$cdc$; DROP TABLE public.canary; DO $cdc$",
  "dollar tags 1 and 2": "$cdc_1$ $cdc_2$ $$",
  semicolon: "a; DROP TABLE public.canary",
  "line comment": "a -- DROP TABLE public.canary",
  "block comment": "a /* DROP TABLE public.canary",
  "psql variable": ":'ON_ERROR_STOP' :foo :\"bar\"",
  "format specifiers": "100% %s %I %L",
  NUL: "a\u0000b",
  "carriage return": "a\r\\g",
  "line separator U+2028": "a\u2028\\g",
  "paragraph separator U+2029": "a\u2029b",
  "bidi override U+202E": "a\u202eb",
  "very long": "x".repeat(100_000),
};

/** The hostile strings a text default may hold: no control character, backslash or separator, not too long. */
export const ACCEPTED_AS_TEXT = [
  "single quote",
  "double quote",
  "dollar tag",
  "dollar tags 1 and 2",
  "semicolon",
  "line comment",
  "block comment",
  "psql variable",
  "format specifiers",
];

/** A config field that reaches SQL, and how to set it in the demo's data. */
export interface SqlField {
  readonly path: string;
  readonly set: (data: Record<string, any>, value: string) => void;
}

export const SQL_FIELDS: readonly SqlField[] = [
  { path: "capture.tables.0.schema", set: (d, v) => (d.capture.tables[0].schema = v) },
  { path: "capture.tables.0.table", set: (d, v) => (d.capture.tables[0].table = v) },
  { path: "capture.tables.0.columns.1.name", set: (d, v) => (d.capture.tables[0].columns[1].name = v) },
  { path: "capture.tables.0.columns.1.type", set: (d, v) => (d.capture.tables[0].columns[1].type = v) },
  {
    path: "capture.tables.0.columns.2.default",
    set: (d, v) => d.capture.tables[0].columns.push({ name: "note", type: "text", default: v }),
  },
  { path: "capture.heartbeatSchema", set: (d, v) => (d.capture.heartbeatSchema = v) },
  { path: "capture.cdcRoleName", set: (d, v) => (d.capture.cdcRoleName = v) },
  { path: "capture.tableOwner", set: (d, v) => (d.capture.tableOwner = v) },
  { path: "capture.publicationName", set: (d, v) => (d.capture.publicationName = v) },
  { path: "capture.slotName", set: (d, v) => (d.capture.slotName = v) },
  { path: "database.databaseName", set: (d, v) => (d.database.databaseName = v) },
  { path: "database.masterUsername", set: (d, v) => (d.database.masterUsername = v) },
];

/**
 * Splits SQL into what is inside quoted tokens ('literal', "identifier", $tag$...$tag$) and comments,
 * and what is outside them, the way PostgreSQL's and psql's lexers do (standard_conforming_strings on).
 */
export function splitQuoted(sql: string): { outside: string; quoted: string[]; comments: string[] } {
  let outside = "";
  const quoted: string[] = [];
  const comments: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(c, j);
        if (k < 0) throw new Error(`unterminated ${c} at ${i}`);
        if (sql[k + 1] === c) j = k + 2;
        else {
          quoted.push(sql.slice(i, k + 1));
          i = k + 1;
          break;
        }
      }
      outside += " ";
      continue;
    }
    const dollar = c === "$" ? /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i)) : null;
    if (dollar && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
      const tag = dollar[0];
      const end = sql.indexOf(tag, i + tag.length);
      if (end < 0) throw new Error(`unterminated ${tag} at ${i}`);
      quoted.push(sql.slice(i, end + tag.length));
      i = end + tag.length;
      outside += " ";
      continue;
    }
    if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? sql.length : end;
      comments.push(sql.slice(i, stop));
      i = stop;
      continue;
    }
    if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) throw new Error(`unterminated comment at ${i}`);
      comments.push(sql.slice(i, end + 2));
      i = end + 2;
      continue;
    }
    outside += c;
    i++;
  }
  return { outside, quoted, comments };
}

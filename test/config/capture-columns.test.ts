import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { parseConfig } from "../../src/config/parse";
import { parseColumnType } from "../../src/config/sections/capture";
import { renderColumns, renderColumnType } from "../../src/sql/columns";
import { DEMO_CONFIG, demoConfigData, managedCapture, problemsOf } from "../support/synth";

/** The demo with its one table's columns replaced. */
const withColumns = (columns: unknown[]) =>
  problemsOf((d) => {
    d.capture.tables[0].columns = columns;
  });

/** The rendered column list of a valid table. */
function rendered(columns: unknown[]): string {
  const data = demoConfigData();
  data.capture.tables[0].columns = columns;
  const config = parseConfig(data, "test.yaml");
  return renderColumns(managedCapture(config).tables[0]?.columns ?? []);
}

describe("capture.tables[].columns: structured, never SQL text", () => {
  it("describes the seed's table, id serial primary key, name varchar(100)", () => {
    const table = managedCapture(loadConfigFile(DEMO_CONFIG)).tables[0];
    expect(table?.columns).toEqual([
      { name: "id", type: { base: "serial", arrayDimensions: 0 }, nullable: false, primaryKey: true },
      {
        name: "name",
        type: { base: "character varying", length: 100, arrayDimensions: 0 },
        nullable: true,
        primaryKey: false,
      },
    ]);
    expect(renderColumns(table?.columns ?? [])).toBe(
      '"id" serial NOT NULL, "name" character varying(100), PRIMARY KEY ("id")',
    );
  });

  it("refuses the free-text form, SQL in a type, and statements smuggled into either", () => {
    expect(problemsOf((d) => (d.capture.tables[0].columns = "id int); DROP TABLE x; --"))).toEqual([
      'capture.tables.0.columns: got "id int); DROP TABLE x; --"; expected array',
    ]);
    expect(
      withColumns([
        { name: "id", type: "integer" },
        { name: "name", type: "varchar(100); drop" },
      ]),
    ).toEqual([
      'capture.tables.0.columns.1.type: got "varchar(100); drop"; expected a PostgreSQL type such as integer, text, varchar(100), numeric(10,2), timestamptz (see docs/config.md)',
    ]);
    for (const type of [
      "int\n\\g",
      "text default 'x'",
      "integer primary key",
      "text); drop table x; --",
      'varchar(10) collate "C"',
      'text"',
      "int4range",
      "pg_catalog.text",
      "constructor",
      "toString",
      "__proto__",
    ]) {
      expect(withColumns([{ name: "c", type }]), type).toEqual([
        expect.stringMatching(
          /^capture\.tables\.0\.columns\.0\.type: got .*; expected a PostgreSQL type such as /,
        ),
      ]);
    }
  });

  it("parses each type of the grammar and renders it as PostgreSQL writes it back", () => {
    const cases: [string, string][] = [
      ["smallint", "smallint"],
      ["INT2", "smallint"],
      ["int", "integer"],
      ["Integer", "integer"],
      ["int8", "bigint"],
      ["smallserial", "smallserial"],
      ["serial4", "serial"],
      ["bigserial", "bigserial"],
      ["bool", "boolean"],
      ["text", "text"],
      ["varchar", "character varying"],
      ["varchar ( 100 )", "character varying(100)"],
      ["character  varying(5)", "character varying(5)"],
      ["char", "character(1)"],
      ["character(3)", "character(3)"],
      ["numeric", "numeric"],
      ["decimal(10)", "numeric(10)"],
      ["numeric(12, 2)", "numeric(12,2)"],
      ["real", "real"],
      ["float", "double precision"],
      ["double   precision", "double precision"],
      ["date", "date"],
      ["timestamp", "timestamp without time zone"],
      ["timestamp(3)", "timestamp(3) without time zone"],
      ["timestamp with time zone", "timestamp with time zone"],
      ["timestamptz(6)", "timestamp(6) with time zone"],
      ["time", "time without time zone"],
      ["timetz", "time with time zone"],
      ["time(0) with time zone", "time(0) with time zone"],
      ["interval", "interval"],
      ["interval(2)", "interval(2)"],
      ["uuid", "uuid"],
      ["json", "json"],
      ["jsonb", "jsonb"],
      ["bytea", "bytea"],
      ["text[]", "text[]"],
      ["int [ ] [ ]", "integer[][]"],
      ["varchar(20)[]", "character varying(20)[]"],
    ];
    for (const [text, sql] of cases) {
      const parsed = parseColumnType(text);
      expect(typeof parsed, text).toBe("object");
      if (typeof parsed === "object") expect(renderColumnType(parsed), text).toBe(sql);
    }
  });

  it("refuses out-of-range modifiers with PostgreSQL's limits", () => {
    expect(parseColumnType("varchar(0)")).toBe("expected varchar(n) with n from 1 to 10485760");
    expect(parseColumnType("char(10485761)")).toBe("expected char(n) with n from 1 to 10485760");
    expect(parseColumnType("numeric(1001)")).toBe("expected numeric(p,s) with p from 1 to 1000");
    expect(parseColumnType("numeric(2,3)")).toBe("expected numeric(p,s) with s from 0 to p");
    expect(parseColumnType("timestamp(7)")).toBe("expected timestamp(p) with p from 0 to 6");
    expect(parseColumnType("serial[]")).toBe(
      "expected a serial type without [] (PostgreSQL has no arrays of serial)",
    );
  });

  it("makes primary-key and serial columns NOT NULL, and composite keys one constraint", () => {
    expect(
      rendered([
        { name: "tenant", type: "bigint", primaryKey: true },
        { name: "id", type: "uuid", primaryKey: true, default: { function: "gen_random_uuid()" } },
        { name: "seq", type: "bigserial" },
        { name: "note", type: "text", nullable: false },
      ]),
    ).toBe(
      '"tenant" bigint NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" bigserial NOT NULL, ' +
        '"note" text NOT NULL, PRIMARY KEY ("tenant", "id")',
    );
    expect(withColumns([{ name: "id", type: "integer", primaryKey: true, nullable: true }])).toEqual([
      "capture.tables.0.columns.0.nullable: got true for a primary-key column; expected false or nothing (a primary key is NOT NULL)",
    ]);
    expect(withColumns([{ name: "id", type: "serial", nullable: true }])).toEqual([
      "capture.tables.0.columns.0.nullable: got true for a serial column; expected false or nothing (PostgreSQL makes serial columns NOT NULL)",
    ]);
  });

  it("renders defaults as literals and allow-listed functions, checked against the type", () => {
    expect(
      rendered([
        { name: "id", type: "serial", primaryKey: true },
        { name: "qty", type: "integer", default: -1 },
        { name: "price", type: "numeric(12,2)", default: "12.50" },
        { name: "ratio", type: "double precision", default: 0.5 },
        { name: "active", type: "boolean", default: true },
        { name: "name", type: "varchar(20)", default: 'it\'s "quoted"' },
        { name: "meta", type: "jsonb", default: '{"a": [1, 2]}' },
        { name: "tags", type: "text[]", default: [] },
        { name: "at", type: "timestamptz", default: { function: "now()" } },
        { name: "day", type: "date", default: "2024-01-31" },
        { name: "gone", type: "text", default: null },
      ]),
    ).toBe(
      '"id" serial NOT NULL, "qty" integer DEFAULT (-1), "price" numeric(12,2) DEFAULT \'12.50\', ' +
        '"ratio" double precision DEFAULT 0.5, "active" boolean DEFAULT true, ' +
        '"name" character varying(20) DEFAULT \'it\'\'s "quoted"\', "meta" jsonb DEFAULT \'{"a": [1, 2]}\', ' +
        '"tags" text[] DEFAULT \'{}\', "at" timestamp with time zone DEFAULT now(), ' +
        '"day" date DEFAULT \'2024-01-31\', "gone" text DEFAULT NULL, PRIMARY KEY ("id")',
    );
  });

  it("refuses defaults that do not fit the column, each with the reason", () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { type: "serial", default: 1 },
        "expected no default: a serial column's default is the next value of its sequence",
      ],
      [{ type: "smallint", default: 40000 }, "expected an integer from -32768 to 32767 (smallint)"],
      [{ type: "integer", default: 1.5 }, "expected an integer from -2147483648 to 2147483647 (integer)"],
      [
        { type: "numeric(4,2)", default: 123.4 },
        "expected at most 2 digits before the decimal point (numeric(4,2))",
      ],
      [{ type: "varchar(3)", default: "four" }, "expected at most 3 characters (character varying(3))"],
      [{ type: "boolean", default: "yes" }, "expected a default of type boolean, not a string"],
      [{ type: "text", default: 1 }, "expected a default of type text, not a number"],
      [{ type: "jsonb", default: "{oops" }, "expected JSON text for a jsonb column"],
      [{ type: "uuid", default: "not-a-uuid" }, "expected a UUID"],
      [{ type: "date", default: "yesterday" }, "expected a date such as 2024-01-31"],
      [{ type: "text", default: { function: "now()" } }, "expected a function returning text, not now()"],
      [
        { type: "timestamptz", default: { function: "pg_sleep(10)" } },
        "expected { function: F } with F one of now(), current_timestamp, localtimestamp, clock_timestamp(), current_date, current_time, gen_random_uuid()",
      ],
      [
        { type: "text[]", default: ["a"] },
        "expected null or [] (an empty array) as the default of an array column",
      ],
      [
        { type: "integer", primaryKey: true, default: null },
        "expected a value other than null: the column is NOT NULL (a primary key, or nullable: false)",
      ],
      [{ type: "bytea", default: "x" }, "expected a default of type bytea, not a string"],
      [
        { type: "text", default: "a\nb" },
        "expected text without control characters, backslashes or line separators (found U+000A)",
      ],
      [{ type: "text", default: "x".repeat(1001) }, "expected a default of at most 1000 characters"],
    ];
    for (const [column, expected] of cases) {
      const problems = withColumns([{ name: "c", ...column }]);
      expect(problems, JSON.stringify(column)).toHaveLength(1);
      expect(problems[0], JSON.stringify(column)).toMatch(/^capture\.tables\.0\.columns\.0\.default: got /);
      expect(problems[0], JSON.stringify(column)).toContain(`; ${expected}`);
    }
  });

  it("refuses a column given twice, a json primary key, and an empty column list", () => {
    expect(
      withColumns([
        { name: "a", type: "int" },
        { name: "a", type: "text" },
      ]),
    ).toEqual(['capture.tables.0.columns.1.name: got "a" twice; expected each column once']);
    expect(withColumns([{ name: "doc", type: "json", primaryKey: true }])).toEqual([
      "capture.tables.0.columns.0.primaryKey: got true for a json column; expected jsonb, which has the equality a primary key needs",
    ]);
    expect(withColumns([])).toEqual([
      "capture.tables.0.columns: got a list of 0; expected at least one column",
    ]);
  });

  it("checks replicaIdentity: default against the structured primary key", () => {
    expect(
      problemsOf((d) =>
        d.capture.tables.push({
          table: "audit",
          replicaIdentity: "default",
          columns: [{ name: "at", type: "timestamptz" }],
        }),
      ),
    ).toEqual([
      'capture.tables.1.replicaIdentity: got "default" for public.audit, which has no primary key; expected "full" (without a key, PostgreSQL refuses to publish its UPDATEs and DELETEs)',
    ]);
    // A text mentioning "primary key" is no key: the old regex check on free text accepted this.
    expect(
      problemsOf((d) =>
        d.capture.tables.push({
          table: "audit",
          replicaIdentity: "default",
          columns: [{ name: "primary_key_note", type: "text", default: "primary key" }],
        }),
      ),
    ).toHaveLength(1);
    expect(
      problemsOf((d) =>
        d.capture.tables.push({
          table: "audit",
          replicaIdentity: "default",
          columns: [{ name: "id", type: "bigint", primaryKey: true }],
        }),
      ),
    ).toEqual([]);
  });

  it("keeps the multi-schema example's tables as they were: bigserial key, bigint not null, numeric(12,2)", () => {
    const tables = managedCapture(loadConfigFile("config/examples/multi-schema.yaml")).tables;
    expect(tables.map((t) => (t.columns ? renderColumns(t.columns) : null))).toEqual([
      '"id" serial NOT NULL, "name" character varying(100), PRIMARY KEY ("id")',
      '"id" bigserial NOT NULL, "customer_id" bigint NOT NULL, "total" numeric(12,2), PRIMARY KEY ("id")',
      null,
    ]);
  });
});

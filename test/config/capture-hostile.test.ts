import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/parse";
import { ConfigError } from "../../src/errors";
import { type CapturedTable, renderCaptureSql } from "../../src/sql/capture-sql";
import { quoteLiteral } from "../../src/sql/quote";
import { ACCEPTED_AS_TEXT, HOSTILE, SQL_FIELDS, splitQuoted } from "../postgres/hostile-fixtures";
import { demoConfigData, managedCapture } from "../support/synth";

function parse(change: (data: Record<string, any>) => void) {
  const data = demoConfigData();
  change(data);
  try {
    return { config: parseConfig(data, "test.yaml"), problems: [] as string[] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { config: undefined, problems: [...error.problems] };
  }
}

/** The rendered script's DO block body (between its tags), and the script around it. */
function doBlock(sql: string): { around: string; body: string } {
  const open = /^DO (\$[a-z_0-9]*\$)$/m.exec(sql);
  if (!open) throw new Error("no DO block");
  const tag = open[1] as string;
  const start = (open.index ?? 0) + open[0].length;
  const end = sql.indexOf(tag, start);
  return { around: sql.slice(0, start) + sql.slice(end), body: sql.slice(start, end) };
}

const scriptWithDefault = (value: string) => {
  const { config } = parse((d) =>
    d.capture.tables[0].columns.push({ name: "note", type: "text", default: value }),
  );
  if (!config) throw new Error(`refused: ${JSON.stringify(value)}`);
  return renderCaptureSql(managedCapture(config).tables, managedCapture(config).heartbeatSchema);
};

describe("hostile strings in every config field that reaches SQL", () => {
  for (const field of SQL_FIELDS) {
    describe(field.path, () => {
      for (const [name, value] of Object.entries(HOSTILE)) {
        const accepted = field.path.endsWith(".default") && ACCEPTED_AS_TEXT.includes(name);
        it(`${accepted ? "accepts" : "refuses"} ${name}`, () => {
          const { problems } = parse((d) => field.set(d, value));
          if (accepted) {
            expect(problems).toEqual([]);
          } else {
            expect(problems.length).toBeGreaterThan(0);
            for (const problem of problems)
              expect(problem.startsWith(`${field.path}: got `), problem).toBe(true);
          }
        });
      }
    });
  }

  it("says why a default is refused: the character, or the length", () => {
    const problem = (value: string) =>
      parse((d) => d.capture.tables[0].columns.push({ name: "note", type: "text", default: value })).problems;
    expect(problem(HOSTILE["newline and \\g"] as string)).toEqual([
      String.raw`capture.tables.0.columns.2.default: got "x');\n\\g\nDROP TABLE public.canary; --"; expected text without control characters, backslashes or line separators (found U+000A)`,
    ]);
    expect(problem(HOSTILE["\\! shell command"] as string)[0]).toContain("(found a backslash)");
    expect(problem(HOSTILE.NUL as string)[0]).toContain("(found U+0000)");
    expect(problem(HOSTILE["line separator U+2028"] as string)[0]).toContain("(found U+2028)");
    expect(problem(HOSTILE["bidi override U+202E"] as string)[0]).toContain("(found U+202E)");
    expect(problem(HOSTILE["very long"] as string)[0]).toMatch(
      /expected a default of at most 1000 characters$/,
    );
  });

  it("changes nothing of the script but the content of one literal, for every accepted hostile default", () => {
    const benign = doBlock(scriptWithDefault("benign"));
    const benignBody = splitQuoted(benign.body);
    for (const name of ACCEPTED_AS_TEXT) {
      const value = HOSTILE[name] as string;
      const script = scriptWithDefault(value);
      const { around, body } = doBlock(script);
      // Outside the DO block: the same fixed lines (the tag may differ: one the value does not hold).
      expect(around.replace(/\$cdc(_\d+)?\$/g, "$TAG$"), name).toBe(
        benign.around.replace(/\$cdc(_\d+)?\$/g, "$TAG$"),
      );
      expect(body, name).not.toContain(/^DO (\$[a-z_0-9]*\$)$/m.exec(script)?.[1]);
      // Inside it: the same SQL outside quotes and comments; the value is one literal among the same tokens.
      const tokens = splitQuoted(body);
      expect(tokens.outside, name).toBe(benignBody.outside);
      expect(tokens.comments, name).toEqual(benignBody.comments);
      expect(tokens.quoted, name).toEqual(
        benignBody.quoted.map((q) => (q === "'benign'" ? quoteLiteral(value) : q)),
      );
      expect(script.includes("\\") && script.split("\\").length, name).toBe(2); // only \set ON_ERROR_STOP
    }
  });

  it("picks a dollar-quote tag the content does not hold", () => {
    expect(/^DO (\$[a-z_0-9]*\$)$/m.exec(scriptWithDefault("plain"))?.[1]).toBe("$cdc$");
    expect(/^DO (\$[a-z_0-9]*\$)$/m.exec(scriptWithDefault("$cdc$ and $cdc_1$"))?.[1]).toBe("$cdc_2$");
    // A value ending in "$cdc" must not let "$cdc$" close early either ("...$cdc" + "$cdc$").
    expect(/^DO (\$[a-z_0-9]*\$)$/m.exec(scriptWithDefault("ends with $cdc"))?.[1]).toBe("$cdc$");
  });
});

describe("the SQL layer, should a value get past the config", () => {
  const table = (t: Partial<CapturedTable>): CapturedTable => ({
    schema: "public",
    table: "t",
    replicaIdentity: "full",
    columns: [
      { name: "id", type: { base: "integer", arrayDimensions: 0 }, nullable: false, primaryKey: true },
    ],
    ...t,
  });

  it("refuses control characters, backslashes and separators in names and literals", () => {
    for (const value of ["a\n\\g", "\\! id", "a\u0000b", "a\u2028b", "a\rb"]) {
      expect(() => renderCaptureSql([table({ schema: value })], "cdc"), value).toThrow(
        /no generated SQL may carry/,
      );
      expect(() => renderCaptureSql([table({ table: value })], "cdc"), value).toThrow(
        /no generated SQL may carry/,
      );
      expect(() => renderCaptureSql([table({})], value), value).toThrow(/no generated SQL may carry/);
      expect(
        () =>
          renderCaptureSql(
            [
              table({
                columns: [
                  {
                    name: "c",
                    type: { base: "text", arrayDimensions: 0 },
                    nullable: true,
                    primaryKey: false,
                    default: { kind: "string", value },
                  },
                ],
              }),
            ],
            "cdc",
          ),
        value,
      ).toThrow(/no generated SQL may carry/);
    }
  });

  it("quotes what the config refuses but SQL can hold: quotes, dollar tags, key words, capitals", () => {
    const sql = renderCaptureSql([table({ schema: 'we"ird', table: "it's $cdc$ Select" })], "cdc");
    expect(sql).toContain(`CREATE TABLE "we""ird"."it's $cdc$ Select"`);
    expect(sql).toContain(`('we"ird', 'it''s $cdc$ Select', '"we""ird"."it''s $cdc$ Select"', 'f')`);
    expect(/^DO (\$[a-z_0-9]*\$)$/m.exec(sql)?.[1]).toBe("$cdc_1$");
  });

  it("refuses a type or a default function it does not know", () => {
    expect(() =>
      renderCaptureSql(
        [
          table({
            columns: [
              {
                name: "c",
                type: { base: "text; drop", arrayDimensions: 0 },
                nullable: true,
                primaryKey: false,
              },
            ],
          }),
        ],
        "cdc",
      ),
    ).toThrow(/unknown column type/);
    expect(() =>
      renderCaptureSql(
        [
          table({
            columns: [
              {
                name: "c",
                type: { base: "constructor", arrayDimensions: 0 },
                nullable: true,
                primaryKey: false,
              },
            ],
          }),
        ],
        "cdc",
      ),
    ).toThrow(/unknown column type/);
    expect(() =>
      renderCaptureSql(
        [
          table({
            columns: [
              {
                name: "c",
                type: { base: "text", arrayDimensions: 0 },
                nullable: true,
                primaryKey: false,
                default: { kind: "function", name: "pg_sleep(1)" },
              },
            ],
          }),
        ],
        "cdc",
      ),
    ).toThrow(/unknown function/);
  });
});

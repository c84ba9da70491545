/**
 * Athena, stood in for by DuckDB over the S3 stand-in's lake, for verify's end-to-end test: every captured
 * table's changes view (the same view rendered for "duckdb", src/sql/lake-views.ts) over the objects the
 * stand-in holds, copied to a temporary folder at each query, in a schema named as the Glue database. Athena's
 * SQL runs after swapping the one dialect function it uses for DuckDB's (DIALECTS.mapGet: element_at, whose
 * DuckDB namesake returns a list, becomes map_extract_value).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Naming } from "../../src/config/naming";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { changesViewSql, DIALECTS, duckdbLakeRelation } from "../../src/sql/lake-views";
import { quoteIdent } from "../../src/sql/quote";
import { expectedLakeTables } from "../support/lake";
import type { AthenaResponder } from "./aws-stand-in";
import type { S3StandIn } from "./s3-stand-in";

export function athenaOnDuckdb(config: PipelineConfig, s3: S3StandIn, bucket: string): AthenaResponder {
  const naming = new Naming(config.project, config.environment);
  const database = naming.glueDatabase();
  const workgroup = naming.athenaWorkgroup();
  const athenaMapGet = DIALECTS.athena.mapGet("\u0001", "\u0002").split("\u0001")[0] ?? "";
  const duckdbMapGet = DIALECTS.duckdb.mapGet("\u0001", "\u0002").split("\u0001")[0] ?? "";
  return async (query) => {
    if (query.workgroup !== workgroup) return { error: `WorkGroup ${query.workgroup} is not found` };
    if (query.database !== database)
      return { error: `SCHEMA_NOT_FOUND: Schema ${query.database} does not exist` };
    const dir = mkdtempSync(join(tmpdir(), "cdc-lake-athena-"));
    const instance = await DuckDBInstance.create(":memory:");
    const duck = await instance.connect();
    try {
      let bytes = 0;
      for (const o of s3.objects(bucket)) {
        mkdirSync(dirname(join(dir, o.key)), { recursive: true });
        writeFileSync(join(dir, o.key), o.text);
      }
      await duck.run("SET autoinstall_known_extensions = false");
      await duck.run(`CREATE SCHEMA ${quoteIdent(database)}`);
      const written = new Set(s3.objects(bucket).map((o) => o.key.split("/")[1]));
      for (const t of expectedLakeTables(config)) {
        if (!written.has(t.topic)) continue;
        const glob = join(dir, "cdc", t.topic, "*", "*", "*", "*", "*.json");
        const source = { ...t.source, relation: duckdbLakeRelation(glob, t.source) };
        const view = `${quoteIdent(database)}.${quoteIdent(naming.lakeView(t.topic, "changes"))}`;
        await duck.run(`CREATE VIEW ${view} AS ${changesViewSql(source, "duckdb")}`);
        bytes += s3
          .objects(bucket)
          .filter((o) => o.key.startsWith(`cdc/${t.topic}/`))
          .reduce((n, o) => n + o.text.length, 0);
      }
      const reader = await duck.runAndReadAll(query.sql.replaceAll(athenaMapGet, duckdbMapGet));
      const rows = reader.getRowsJson().map((r) => r.map((v) => (v === null ? "" : String(v))));
      return { rows: [reader.columnNames(), ...rows], scannedBytes: bytes };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    } finally {
      duck.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

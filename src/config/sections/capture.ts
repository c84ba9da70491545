import { z } from "zod";
import { addProblem, pgIdentifier } from "../fields";

const CapturedTableSchema = z
  .strictObject({
    schema: pgIdentifier.default("public").describe("Schema of the table."),
    table: pgIdentifier.describe("Table name. Required."),
    replicaIdentity: z
      .enum(["full", "default"])
      .default("full")
      .describe(
        "REPLICA IDENTITY: full puts the whole old row (before-image) in UPDATE and DELETE events; default " +
          "only the primary key (allowed for tables with one, with a warning).",
      ),
    columns: z
      .string()
      .min(1)
      .refine((v) => !v.includes(";"), "expected column definitions without ';' (one CREATE TABLE)")
      .optional()
      .describe(
        "Column definitions, e.g. 'id serial primary key, name varchar(100)': the database stack runs " +
          "CREATE TABLE IF NOT EXISTS with them. Omit for tables the application owns: they must exist, and " +
          "are never dropped or recreated, only their replica identity is set. Default: none (table must exist).",
      ),
  })
  .describe("A table whose changes are captured.");

export const CaptureSchema = z
  .strictObject({
    tables: z
      .array(CapturedTableSchema)
      .min(1, "expected at least one table to capture")
      .describe("Tables to capture (schema.table). Required."),
    cdcRoleName: pgIdentifier
      .optional()
      .describe(
        "Login role Debezium connects as: member of rds_replication, USAGE and SELECT on the captured " +
          "schemas, nothing else. Default: <project>_<environment>_cdc (hyphens become underscores).",
      ),
    cdcPasswordVersion: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        "Bump to rotate the CDC role's password: a new one is generated at apply and written, write-only, to " +
          "the role and to its Secrets Manager secret.",
      ),
    publicationName: pgIdentifier
      .optional()
      .describe("Publication limited to the captured tables. Default: <project>_<environment>_publication."),
    slotName: pgIdentifier
      .optional()
      .describe(
        "Logical replication slot (pgoutput) Debezium reads; managed by the database stack, so destroy drops " +
          "it. Default: <project>_<environment>_slot.",
      ),
    heartbeatSchema: pgIdentifier
      .default("cdc")
      .describe(
        "Schema of Debezium's heartbeat table (debezium_heartbeat), which the CDC role may update and the " +
          "publication includes, so the slot advances while the captured tables are quiet. Must not be a " +
          "captured schema.",
      ),
    tableOwner: pgIdentifier
      .optional()
      .describe(
        "Role that creates the captured schemas' tables; its future tables become readable by the CDC role " +
          "(default privileges). Default: database.masterUsername.",
      ),
  })
  .superRefine((capture, ctx) => {
    capture.tables.forEach((t, i) => {
      if (capture.tables.findIndex((o) => o.schema === t.schema && o.table === t.table) !== i) {
        addProblem(ctx, ["tables", i], `got ${t.schema}.${t.table} twice; expected each table once`);
      }
      if (t.replicaIdentity === "default" && t.columns !== undefined && !/primary\s+key/i.test(t.columns)) {
        addProblem(
          ctx,
          ["tables", i, "replicaIdentity"],
          `got "default" for ${t.schema}.${t.table}, which has no primary key; expected "full" (without a key, PostgreSQL refuses to publish its UPDATEs and DELETEs)`,
        );
      }
    });
    if (capture.tables.some((t) => t.schema === capture.heartbeatSchema)) {
      addProblem(
        ctx,
        ["heartbeatSchema"],
        `got "${capture.heartbeatSchema}", a captured schema; expected a schema of its own for the heartbeat table (default: cdc)`,
      );
    }
  })
  .describe("What the pipeline captures.");

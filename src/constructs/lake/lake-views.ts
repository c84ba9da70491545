import { Construct } from "constructs";
import { ATHENA_CATALOG } from "../../sql/lake-views";
import { escapeTemplates } from "../terraform/escape-template";
import { RawResource } from "../terraform/raw-resource";
import { dynamicColumns, type GlueColumn } from "./lake-catalog";

/** Athena's catalog of the Glue Data Catalog, as a view's definition names it. */
export const ATHENA_GLUE_CATALOG = ATHENA_CATALOG.toLowerCase();

/** A view's column in both type systems: Presto/Trino's for Athena, Hive's for the Glue table. */
export interface ViewColumn {
  readonly name: string;
  /** Presto/Trino type, e.g. `varchar`, `bigint`, `timestamp(3)`, `row(id integer)`. */
  readonly prestoType: string;
}

export interface LakeViewSpec {
  /** The view's name (Naming.lakeView). */
  readonly name: string;
  readonly description: string;
  /** The view's SQL, in Athena's dialect (Trino), naming its tables with their database. */
  readonly sql: string;
  readonly columns: readonly ViewColumn[];
}

export interface LakeViewsProps {
  /** The database's name, as a literal: it is written into each view's definition. */
  readonly databaseName: string;
  /** The database's name as its resource gives it (a reference), so the views follow the database. */
  readonly databaseRef: string;
  /** What the views read: they are created after it. */
  readonly reads: RawResource;
  readonly views: readonly LakeViewSpec[];
}

/** The for_each map of the views: by view name, what differs from one view to the next. */
export type LakeViewInstances = Record<
  string,
  { readonly description: string; readonly text: string; readonly columns: readonly GlueColumn[] }
>;

/** The definition Athena stores for a view it creates itself (Trino's ConnectorViewDefinition, as JSON). */
export interface PrestoViewDefinition {
  readonly originalSql: string;
  readonly catalog: string;
  readonly schema: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

const PRESTO_VIEW_PREFIX = "/* Presto View: ";
const PRESTO_VIEW_SUFFIX = " */";

/**
 * `view_original_text` of an Athena view: `/* Presto View: <base64 of the JSON definition> *\/`, with
 * `view_expanded_text` `/* Presto View *\/` and the parameter presto_view=true. Athena documents no API for
 * views; this is what its CREATE VIEW writes to Glue and what Trino's Hive connector reads back.
 * @see https://github.com/trinodb/trino/blob/master/plugin/trino-hive/src/main/java/io/trino/plugin/hive/ViewReaderUtil.java
 * @see https://stackoverflow.com/a/56347331
 */
export function prestoViewText(definition: PrestoViewDefinition): string {
  const json = JSON.stringify(definition);
  return `${PRESTO_VIEW_PREFIX}${Buffer.from(json, "utf8").toString("base64")}${PRESTO_VIEW_SUFFIX}`;
}

/** The definition inside a `view_original_text`, or undefined when it is not a Presto view's. */
export function decodePrestoViewText(text: string): PrestoViewDefinition | undefined {
  if (!text.startsWith(PRESTO_VIEW_PREFIX) || !text.endsWith(PRESTO_VIEW_SUFFIX)) return undefined;
  const base64 = text.slice(PRESTO_VIEW_PREFIX.length, -PRESTO_VIEW_SUFFIX.length);
  return JSON.parse(Buffer.from(base64, "base64").toString("utf8")) as PrestoViewDefinition;
}

/**
 * Hive's spelling of a Presto/Trino type, for the Glue table's columns (what Glue's console and other engines
 * show; Athena reads the definition's own types): `varchar` -> `string`, `row(a x)` -> `struct<a:x>`...
 */
export function hiveTypeOf(prestoType: string): string {
  const t = prestoType.trim();
  const lower = t.toLowerCase();
  const inner = (prefix: string) => t.slice(prefix.length, -1);
  if (lower.startsWith("array(") && lower.endsWith(")")) return `array<${hiveTypeOf(inner("array("))}>`;
  if (lower.startsWith("map(") && lower.endsWith(")")) {
    return `map<${splitTopLevel(inner("map(")).map(hiveTypeOf).join(",")}>`;
  }
  if (lower.startsWith("row(") && lower.endsWith(")")) {
    const fields = splitTopLevel(inner("row(")).map((field) => {
      const f = field.trim();
      const quoted = /^"((?:[^"]|"")*)"\s+(.*)$/s.exec(f);
      const [name, type] = quoted
        ? [quoted[1]?.replaceAll('""', '"') ?? "", quoted[2] ?? ""]
        : [f.slice(0, f.search(/\s/)), f.slice(f.search(/\s/) + 1)];
      return `${name}:${hiveTypeOf(type)}`;
    });
    return `struct<${fields.join(",")}>`;
  }
  if (lower === "varchar" || lower.startsWith("varchar(") || lower === "json") return "string";
  if (lower === "integer") return "int";
  if (lower === "real") return "float";
  if (lower === "varbinary") return "binary";
  if (lower.startsWith("timestamp")) return "timestamp";
  return lower;
}

/** `a, b(c, d), e` -> [`a`, `b(c, d)`, `e`]: commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "(") depth += 1;
    else if (!quoted && c === ")") depth -= 1;
    else if (!quoted && depth === 0 && c === ",") {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/**
 * Athena views stored in the Glue catalog, created and replaced by Terraform like the tables they read: one
 * resource with `for_each`, keyed by view name (`aws_glue_catalog_table.lake_views["<view>"]`).
 */
export class LakeViews extends Construct {
  readonly views: RawResource;

  constructor(scope: Construct, id: string, props: LakeViewsProps) {
    super(scope, id);
    const instances: LakeViewInstances = {};
    // Views repeat few types (a table's changes view has each column twice): each spelled once.
    const hiveTypes = new Map<string, string>();
    const hiveType = (prestoType: string) => {
      let hive = hiveTypes.get(prestoType);
      if (hive === undefined) {
        hive = hiveTypeOf(prestoType);
        hiveTypes.set(prestoType, hive);
      }
      return hive;
    };
    for (const spec of props.views) {
      const definition: PrestoViewDefinition = {
        originalSql: spec.sql,
        catalog: ATHENA_GLUE_CATALOG,
        schema: props.databaseName,
        columns: spec.columns.map((c) => ({ name: c.name, type: c.prestoType })),
      };
      instances[spec.name] = {
        description: spec.description,
        // Base64 of the definition: no `${` for Terraform to read, whatever the SQL holds.
        text: prestoViewText(definition),
        columns: spec.columns.map((c) => ({ name: c.name, type: hiveType(c.prestoType) })),
      };
    }
    this.views = new RawResource(
      this,
      "Views",
      "aws_glue_catalog_table",
      {
        for_each: escapeTemplates(instances),
        name: "${each.key}",
        database_name: props.databaseRef,
        description: "${each.value.description}",
        table_type: "VIRTUAL_VIEW",
        view_original_text: "${each.value.text}",
        view_expanded_text: "/* Presto View */",
        parameters: { presto_view: "true", comment: "Presto View" },
        storage_descriptor: { dynamic: { columns: dynamicColumns("${each.value.columns}") } },
        depends_on: [props.reads.address],
      },
      { logicalId: "lake_views" },
    );
  }
}

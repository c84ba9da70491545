import { Construct } from "constructs";
import { ATHENA_CATALOG } from "../../sql/lake-views";
import { escapeTemplates } from "../terraform/escape-template";
import { RawLocal, RawResource } from "../terraform/raw-resource";
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
  /**
   * The view's SQL in Athena's dialect (Trino) without its relation (sql/lake-views.ts viewSqlTemplate): the
   * SQL is these parts joined with `relation`. Views that share the array share a shape, and must have the
   * same columns.
   */
  readonly sqlTemplate: readonly string[];
  /** The table the view reads, quoted and naming its database. */
  readonly relation: string;
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
  { readonly description: string; readonly shape: string; readonly relation: string }
>;

/** What views of one shape share: their SQL around the relation, and their columns in both type systems. */
export interface LakeViewShape {
  readonly sql_parts: readonly string[];
  /** Presto/Trino types, as the view's definition lists them. */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** Hive types, as the Glue table lists them. */
  readonly hive_columns: readonly GlueColumn[];
}

/** `local.lake_view_definitions`: what the views' definitions are made of, each shape once. */
export interface LakeViewDefinitions {
  readonly catalog: string;
  readonly schema: string;
  readonly shapes: Readonly<Record<string, LakeViewShape>>;
}

/** The definition Athena stores for a view it creates itself (Trino's ConnectorViewDefinition, as JSON). */
export interface PrestoViewDefinition {
  readonly originalSql: string;
  readonly catalog: string;
  readonly schema: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

const PRESTO_VIEW_PREFIX = "/* Presto View: ";
const PRESTO_VIEW_SUFFIX = " */";

/** The local the views' definitions are built from (RawLocal): a name users may meet in a plan. */
export const LAKE_VIEW_DEFINITIONS_LOCAL = "lake_view_definitions";

/**
 * `view_original_text` of an Athena view, as a Terraform template of the view's instance:
 * `/* Presto View: <base64 of the JSON definition> *\/`, with `view_expanded_text` `/* Presto View *\/`
 * and the parameter presto_view=true. Athena documents no API for views; this is what its CREATE VIEW
 * writes to Glue and what Trino's Hive connector reads back (Jackson: the order of the keys, which
 * jsonencode sorts, does not matter). Terraform encodes it from the view's shape and relation, so the JSON
 * holds each shape's SQL once instead of every view's in base64.
 * @see https://github.com/trinodb/trino/blob/master/plugin/trino-hive/src/main/java/io/trino/plugin/hive/ViewReaderUtil.java
 * @see https://stackoverflow.com/a/56347331
 */
export function prestoViewTextTemplate(definitions: string): string {
  const shape = `${definitions}.shapes[each.value.shape]`;
  const definition =
    `{ originalSql = join(each.value.relation, ${shape}.sql_parts), catalog = ${definitions}.catalog, ` +
    `schema = ${definitions}.schema, columns = ${shape}.columns }`;
  return `${PRESTO_VIEW_PREFIX}\${base64encode(jsonencode(${definition}))}${PRESTO_VIEW_SUFFIX}`;
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
 * resource with `for_each`, keyed by view name (`aws_glue_catalog_table.lake_views["<view>"]`). The map holds
 * each view's description, relation and shape; a local (`local.lake_view_definitions`) holds each shape's
 * SQL and columns once, and Terraform builds every definition from the two (at 500 tables of the bench's
 * config, 1.27 MB of definitions in base64 became 0.12 MB; a table whose columns the config gives has a
 * shape of its own unless another has the same columns).
 */
export class LakeViews extends Construct {
  readonly views: RawResource;
  /** What the views' definitions are made of (`local.lake_view_definitions`). */
  readonly definitions: RawLocal;

  constructor(scope: Construct, id: string, props: LakeViewsProps) {
    super(scope, id);
    const instances: LakeViewInstances = {};
    const shapes: Record<string, LakeViewShape> = {};
    // A shape: one SQL template (the same array: sql/lake-views.ts renders each once per table shape),
    // whose views have the same columns, as the SQL decides them.
    const shapeIds = new Map<
      readonly string[],
      { readonly id: string; readonly columns: readonly ViewColumn[] }
    >();
    const shapeOf = (spec: LakeViewSpec): string => {
      const known = shapeIds.get(spec.sqlTemplate);
      if (known !== undefined) {
        if (!sameColumns(known.columns, spec.columns))
          throw new Error(
            `lake view ${spec.name}: got other columns than a view of the same SQL; expected the same`,
          );
        return known.id;
      }
      const id = String(shapeIds.size + 1);
      shapes[id] = {
        sql_parts: spec.sqlTemplate,
        columns: spec.columns.map((c) => ({ name: c.name, type: c.prestoType })),
        hive_columns: spec.columns.map((c) => ({ name: c.name, type: hiveTypeOf(c.prestoType) })),
      };
      shapeIds.set(spec.sqlTemplate, { id, columns: spec.columns });
      return id;
    };
    for (const spec of props.views) {
      instances[spec.name] = { description: spec.description, shape: shapeOf(spec), relation: spec.relation };
    }
    const definitions: LakeViewDefinitions = {
      catalog: ATHENA_GLUE_CATALOG,
      schema: props.databaseName,
      shapes,
    };
    // Every string is a template to Terraform: escaped, whatever the config put in a name or the SQL holds.
    this.definitions = new RawLocal(
      this,
      "Definitions",
      LAKE_VIEW_DEFINITIONS_LOCAL,
      escapeTemplates(definitions),
    );
    const local = this.definitions.expression;
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
        view_original_text: prestoViewTextTemplate(local),
        view_expanded_text: "/* Presto View */",
        parameters: { presto_view: "true", comment: "Presto View" },
        storage_descriptor: {
          dynamic: { columns: dynamicColumns(`\${${local}.shapes[each.value.shape].hive_columns}`) },
        },
        depends_on: [props.reads.address],
      },
      { logicalId: "lake_views" },
    );
  }
}

function sameColumns(a: readonly ViewColumn[], b: readonly ViewColumn[]): boolean {
  return (
    a.length === b.length && a.every((c, i) => c.name === b[i]?.name && c.prestoType === b[i]?.prestoType)
  );
}

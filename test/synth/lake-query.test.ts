/**
 * The queryable lake (issue 14) as synthesized: the Glue database and one table per captured table over its
 * topic's folder, projected from the sink's own layout; the views, whose definitions are the SQL of
 * src/sql/lake-views.ts; the Athena workgroup; the analyst policy and the outputs. Both shipped profiles and
 * the multi-source example, and `query.enabled: false`.
 */
import { readFileSync } from "node:fs";
import { App, TerraformStack } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfigFile } from "../../src/cli/load-config";
import { Naming } from "../../src/config/naming";
import { parseConfig } from "../../src/config/parse";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { ATHENA_RESULTS_PREFIX } from "../../src/constructs/lake/athena-workgroup";
import type { GlueColumn } from "../../src/constructs/lake/lake-catalog";
import {
  hiveTypeOf,
  LAKE_VIEW_DEFINITIONS_LOCAL,
  type LakeViewDefinitions,
  type LakeViewShape,
  type LakeViewSpec,
  LakeViews,
  type PrestoViewDefinition,
} from "../../src/constructs/lake/lake-views";
import { RawResource } from "../../src/constructs/terraform/raw-resource";
import { ConfigProblems } from "../../src/errors";
import {
  lakePartitionProjection,
  type S3SinkSettings,
  SINK_PARTITIONING,
  type SinkPartitioning,
  s3SinkConnectorConfiguration,
  sinkPartitioningProblem,
  TOPICS_DIR,
} from "../../src/kafka-connect/s3-sink-settings";
import {
  changesViewSql,
  currentStateViewSql,
  LAKE_JSON_SERDE,
  type LakeViewSource,
  lakeTableColumns,
  viewColumns,
} from "../../src/sql/lake-views";
import { lakeNameProblems } from "../../src/stacks/connectors-stack";
import { expectedLakeTables as expectedTables } from "../support/lake";
import { byPath, demoWith, refTo, synthesize, type TerraformJson } from "../support/synth";

const MULTI_SOURCE = "config/examples/multi-source.yaml";
const PROFILES = ["config/demo.yaml", "config/production.yaml", MULTI_SOURCE] as const;

const MIB = 1_048_576;

const synths: { cleanup(): void }[] = [];
afterAll(() => {
  for (const s of synths) s.cleanup();
});

/** The connectors stack of `config`, synthesized through the app as `cdktf synth` does. */
function connectorsOf(config: PipelineConfig): TerraformJson {
  const synth = synthesize(config);
  synths.push(synth);
  return synth.stacks[`${config.environment}-connectors`] as TerraformJson;
}

/** The `"${...}"` reference of the lake bucket's name, as the sink's configuration holds it. */
function bucketRef(stack: TerraformJson): string {
  const sink = Object.values(byPath(stack, "aws_mskconnect_connector")).find(
    (c) => c.connector_configuration["connector.class"] === "io.confluent.connect.s3.S3SinkConnector",
  );
  return sink?.connector_configuration["s3.bucket.name"];
}

/**
 * The lake bucket as the catalog's tables name it: `${local.<id>}`, a local holding the same reference as the
 * sink's configuration (the tables are raw JSON, which holds no cdktf token; see RawResource).
 */
function tableBucketRef(stack: TerraformJson): string {
  const bucket = bucketRef(stack);
  const entry = Object.entries((stack.locals ?? {}) as Record<string, unknown>).find(([, v]) => v === bucket);
  if (!entry) throw new Error(`no local holds the lake bucket ${bucket}`);
  return `\${local.${entry[0]}}`;
}

/** The statements of the policy document at construct `path`, failing loudly when there is none. */
function statementsAt(stack: TerraformJson, path: string): TerraformJson[] {
  const documents = Object.values(
    (stack.data?.aws_iam_policy_document ?? {}) as Record<string, TerraformJson>,
  );
  const document = documents.find((d) => d["//"].metadata.path === path);
  if (!document) throw new Error(`no policy document at ${path}`);
  return document.statement as TerraformJson[];
}

/** Terraform's reading of a JSON string: `$${` is a literal `${`. */
const unescapeTerraform = (text: string) => text.replaceAll("$${", "${");

/**
 * A view's definition as Terraform makes it from `view_original_text`'s template (prestoViewTextTemplate,
 * checked literally below; test/terraform/lake-query.test.ts has Terraform itself make every one): the
 * view's shape in local.lake_view_definitions, its SQL parts joined with the view's relation.
 */
function definitionOf(stack: TerraformJson, view: TerraformJson): PrestoViewDefinition {
  const definitions = stack.locals?.[LAKE_VIEW_DEFINITIONS_LOCAL] as LakeViewDefinitions;
  const shape = definitions.shapes[view.shape] as LakeViewShape;
  return {
    originalSql: unescapeTerraform(shape.sql_parts.join(view.relation)),
    catalog: definitions.catalog,
    schema: definitions.schema,
    columns: shape.columns,
  };
}

/** A view's Glue columns: its shape's, in Hive types. */
function hiveColumnsOf(stack: TerraformJson, view: TerraformJson): readonly GlueColumn[] {
  const definitions = stack.locals?.[LAKE_VIEW_DEFINITIONS_LOCAL] as LakeViewDefinitions;
  return (definitions.shapes[view.shape] as LakeViewShape).hive_columns;
}

/** The lake's two for_each resources: every table, and every view, of a connectors stack. */
function lakeResources(stack: TerraformJson): { tables: TerraformJson; views: TerraformJson } {
  const all = (stack.resource?.aws_glue_catalog_table ?? {}) as Record<string, TerraformJson>;
  expect(Object.keys(all).sort()).toEqual(["lake_tables", "lake_views"]);
  return { tables: all.lake_tables as TerraformJson, views: all.lake_views as TerraformJson };
}

describe.each(PROFILES)("%s: the lake's catalog", (file) => {
  const config = loadConfigFile(file);
  const stack = connectorsOf(config);
  const naming = new Naming(config.project, config.environment);
  const env = `${config.environment}-connectors`;
  const expected = expectedTables(config);
  const { tables } = lakeResources(stack);
  const bucket = tableBucketRef(stack);

  it("is on, by default and in both shipped profiles, explicitly", () => {
    expect(config.query.enabled).toBe(true);
    if (file !== MULTI_SOURCE) expect(parse(readFileSync(file, "utf8")).query.enabled).toBe(true);
  });

  it("has one Glue database, named <project>_<environment>_lake", () => {
    const databases = byPath(stack, "aws_glue_catalog_database");
    expect(Object.keys(databases)).toEqual([`${env}/LakeCatalog/Database`]);
    expect(databases[`${env}/LakeCatalog/Database`]?.name).toBe(naming.glueDatabase());
    expect(naming.glueDatabase()).toBe(`${config.project}_${config.environment}_lake`.replaceAll("-", "_"));
  });

  it("has one external table per captured table (the canary's too), keyed by topic, with its name and columns", () => {
    // aws_glue_catalog_table.lake_tables["<topic>"]: an address that stays when tables come and go.
    expect(Object.keys(tables.for_each).sort()).toEqual(expected.map((t) => t.topic).sort());
    for (const t of expected) {
      expect(tables.for_each[t.topic]).toEqual({ name: t.name, columns: lakeTableColumns(t.source) });
      expect(t.name).toMatch(/^[a-z0-9_]+$/);
    }
    expect(tables.name).toBe("${each.value.name}");
    expect(tables.database_name).toBe(refTo(stack, `${env}/LakeCatalog/Database`, "name"));
    expect(tables.table_type).toBe("EXTERNAL_TABLE");
  });

  it("reads every table over its topic's folder, with the SerDe and columns of its map entry", () => {
    expect(tables.storage_descriptor).toEqual({
      location: `s3://${bucket}/cdc/\${each.key}/`,
      input_format: "org.apache.hadoop.mapred.TextInputFormat",
      output_format: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
      ser_de_info: { name: "hive-json", serialization_library: "org.apache.hive.hcatalog.data.JsonSerDe" },
      dynamic: {
        columns: {
          for_each: "${each.value.columns}",
          content: { name: "${columns.value.name}", type: "${columns.value.type}" },
        },
      },
    });
    expect(LAKE_JSON_SERDE).toBe("org.apache.hive.hcatalog.data.JsonSerDe");
  });

  it("reads the envelope's fields as columns: before, after, source, op, ts_ms", () => {
    for (const t of expected) {
      const columns = tables.for_each[t.topic].columns as TerraformJson[];
      expect(columns.map((c) => c.name)).toEqual(["before", "after", "source", "op", "ts_ms"]);
      expect(columns[2]?.type).toBe("struct<lsn:bigint,ts_ms:bigint>");
    }
  });

  it("projects year/month/day/hour partitions exactly as the sink writes them, with no crawler", () => {
    const year = config.query.firstPartitionYear;
    expect(tables.partition_keys).toEqual([
      { name: "year", type: "string" },
      { name: "month", type: "string" },
      { name: "day", type: "string" },
      { name: "hour", type: "string" },
    ]);
    // Written out once, literally: what Athena reads.
    expect(tables.parameters).toEqual({
      EXTERNAL: "TRUE",
      classification: "json",
      "projection.enabled": "true",
      "projection.year.type": "date",
      "projection.year.format": "yyyy",
      "projection.year.range": `${year},NOW`,
      "projection.year.interval": "1",
      "projection.year.interval.unit": "YEARS",
      "projection.month.type": "integer",
      "projection.month.range": "1,12",
      "projection.month.digits": "2",
      "projection.day.type": "integer",
      "projection.day.range": "1,31",
      "projection.day.digits": "2",
      "projection.hour.type": "integer",
      "projection.hour.range": "0,23",
      "projection.hour.digits": "2",
      // ${each.key} is Terraform's (the topic); $${ is Terraform's escape: Athena receives ${year}.
      "storage.location.template": `s3://${bucket}/cdc/\${each.key}/year=$\${year}/month=$\${month}/day=$\${day}/hour=$\${hour}/`,
    });
    // And equal to the derivation from the sink's layout, for every topic once Terraform puts it in.
    for (const t of expected) {
      const projection = lakePartitionProjection(t.topic, year);
      expect(tables.parameters).toMatchObject(projection.parameters);
      expect(
        unescapeTerraform(tables.parameters["storage.location.template"].replace("${each.key}", t.topic)),
      ).toBe(`s3://${bucket}/${projection.templatePath}`);
    }
    expect(JSON.stringify(stack.resource)).not.toMatch(/aws_glue_crawler|aws_glue_partition/);
    expect(Object.keys(stack.resource)).not.toContain("aws_glue_crawler");
  });
});

describe.each(PROFILES)("%s: the views", (file) => {
  const config = loadConfigFile(file);
  const stack = connectorsOf(config);
  const naming = new Naming(config.project, config.environment);
  const env = `${config.environment}-connectors`;
  const expected = expectedTables(config);
  const { tables, views } = lakeResources(stack);

  it("has a changes view per captured table, and a current-state view per table with a known key", () => {
    const names = expected.flatMap((t) => [
      ...(t.hasKey ? [naming.lakeView(t.topic, "current")] : []),
      naming.lakeView(t.topic, "changes"),
    ]);
    // aws_glue_catalog_table.lake_views["<view>"]
    expect(Object.keys(views.for_each).sort()).toEqual([...names].sort());
    expect(names.filter((n) => n.endsWith("_current")).length).toBe(expected.filter((t) => t.hasKey).length);
  });

  it("stores each as a Presto view: the SQL of src/sql/lake-views.ts, base64 in view_original_text", () => {
    expect(views).toMatchObject({
      name: "${each.key}",
      description: "${each.value.description}",
      table_type: "VIRTUAL_VIEW",
      view_original_text:
        "/* Presto View: ${base64encode(jsonencode({ originalSql = join(each.value.relation, " +
        "local.lake_view_definitions.shapes[each.value.shape].sql_parts), catalog = local.lake_view_definitions.catalog, " +
        "schema = local.lake_view_definitions.schema, columns = local.lake_view_definitions.shapes[each.value.shape].columns }))} */",
      view_expanded_text: "/* Presto View */",
      parameters: { presto_view: "true", comment: "Presto View" },
      storage_descriptor: {
        dynamic: {
          columns: {
            for_each: "${local.lake_view_definitions.shapes[each.value.shape].hive_columns}",
            content: { name: "${columns.value.name}", type: "${columns.value.type}" },
          },
        },
      },
      // After the tables they read, all of them: one resource.
      depends_on: ["aws_glue_catalog_table.lake_tables"],
      database_name: refTo(stack, `${env}/LakeCatalog/Database`, "name"),
    });
    for (const t of expected) {
      const kinds = [
        ...(t.hasKey ? [["current", currentStateViewSql(t.source, "athena"), "current-state"] as const] : []),
        ["changes", changesViewSql(t.source, "athena"), "changes"] as const,
      ];
      for (const [kind, sql, columnsKind] of kinds) {
        const view = views.for_each[naming.lakeView(t.topic, kind)] as TerraformJson;
        expect(definitionOf(stack, view)).toEqual({
          originalSql: sql,
          catalog: "awsdatacatalog",
          schema: naming.glueDatabase(),
          columns: viewColumns(t.source, columnsKind),
        });
        const columns = hiveColumnsOf(stack, view);
        expect(columns).toEqual(
          viewColumns(t.source, columnsKind).map((c) => ({ name: c.name, type: hiveTypeOf(c.type) })),
        );
        expect(view.description).toMatch(
          kind === "current" ? /^The rows of .* as they are now/ : /^Every change of /,
        );
        // The changes view ends with the table's partition keys, as strings: filters on them prune folders.
        if (kind === "changes")
          expect(columns.slice(-tables.partition_keys.length)).toEqual(
            tables.partition_keys.map((k: { name: string }) => ({ name: k.name, type: "string" })),
          );
      }
    }
  });
});

describe("the demo's views, literally", () => {
  const stack = connectorsOf(loadConfigFile("config/demo.yaml"));
  const { views } = lakeResources(stack);
  const view = (name: string) => views.for_each[name] as TerraformJson;

  it("reads public.student (id serial primary key, name varchar(100)) into typed columns", () => {
    const current = definitionOf(stack, view("cdc_lake_demo_public_student_current"));
    expect(current?.columns).toEqual([
      { name: "id", type: "integer" },
      { name: "name", type: "varchar" },
      { name: "_cdc_lsn", type: "bigint" },
      { name: "_cdc_ts_ms", type: "bigint" },
      { name: "_cdc_event_time", type: "timestamp(3)" },
    ]);
    expect(current?.originalSql).toContain('FROM "cdc_lake_demo_lake"."cdc_lake_demo_public_student" AS "e"');
    expect(hiveColumnsOf(stack, view("cdc_lake_demo_public_student_current"))).toEqual([
      { name: "id", type: "int" },
      { name: "name", type: "string" },
      { name: "_cdc_lsn", type: "bigint" },
      { name: "_cdc_ts_ms", type: "bigint" },
      { name: "_cdc_event_time", type: "timestamp" },
    ]);
    expect(view("cdc_lake_demo_public_student_current").description).toBe(
      "The rows of public.student as they are now: the last change per primary key, deletes dropped",
    );
  });

  it("gives the canary, whose columns the config does not know, a changes view of string maps only", () => {
    expect(views.for_each.cdc_lake_demo_cdc_cdc_lake_canary_current).toBeUndefined();
    const changes = definitionOf(stack, view("cdc_lake_demo_cdc_cdc_lake_canary_changes"));
    expect(changes?.columns.filter((c) => c.name === "before" || c.name === "after")).toEqual([
      { name: "before", type: "map(varchar,varchar)" },
      { name: "after", type: "map(varchar,varchar)" },
    ]);
  });
});

describe("LakeViews: a shape per SQL template", () => {
  const views = (specs: LakeViewSpec[]) => {
    const stack = new TerraformStack(new App({ outdir: "/tmp/lake-views-test", skipValidation: true }), "s");
    const reads = new RawResource(stack, "Tables", "aws_glue_catalog_table", {}, { logicalId: "t" });
    return new LakeViews(stack, "Views", { databaseName: "db", databaseRef: "db", reads, views: specs });
  };
  const template = ["SELECT a FROM ", ""];
  const spec = (name: string, prestoType: string, sqlTemplate = template): LakeViewSpec => ({
    name,
    description: name,
    sqlTemplate,
    relation: `"db"."${name}"`,
    columns: [{ name: "a", prestoType }],
  });

  it("writes a template once, for every view of it", () => {
    const v = views([
      spec("x", "varchar"),
      spec("y", "varchar"),
      spec("z", "varchar", ["SELECT b FROM ", ""]),
    ]);
    const shapes = (v.definitions.value as LakeViewDefinitions).shapes;
    expect(Object.keys(shapes)).toEqual(["1", "2"]);
    expect((v.views.body.for_each as Record<string, { shape: string }>).y?.shape).toBe("1");
  });

  it("refuses views of one template with other columns", () => {
    expect(() => views([spec("x", "varchar"), spec("y", "bigint")])).toThrow(
      "lake view y: got other columns than a view of the same SQL; expected the same",
    );
  });
});

describe("hiveTypeOf: the Glue spelling of a view column's type", () => {
  it.each([
    ["varchar", "string"],
    ["integer", "int"],
    ["real", "float"],
    ["timestamp(6)", "timestamp"],
    ["date", "date"],
    ["array(integer)", "array<int>"],
    ["map(varchar,varchar)", "map<string,string>"],
    ["row(id integer, tags array(varchar))", "struct<id:int,tags:array<string>>"],
  ])("%s -> %s", (presto, hive) => {
    expect(hiveTypeOf(presto)).toBe(hive);
  });
});

describe.each([
  ["config/demo.yaml", 1024, true],
  ["config/production.yaml", 10_240, false],
] as const)("%s: the Athena workgroup", (file, mib, forceDestroy) => {
  const config = loadConfigFile(file);
  const stack = connectorsOf(config);
  const env = `${config.environment}-connectors`;
  const workgroups = byPath(stack, "aws_athena_workgroup");

  it("enforces encrypted results in the lake's own prefix, a scan cap from the config, and metrics", () => {
    expect(config.query.bytesScannedCutoffPerQueryMiB).toBe(mib);
    expect(Object.keys(workgroups)).toEqual([`${env}/LakeWorkgroup/Resource`]);
    const workgroup = workgroups[`${env}/LakeWorkgroup/Resource`] as TerraformJson;
    expect(workgroup).toMatchObject({
      name: `${config.project}-${config.environment}-lake`,
      state: "ENABLED",
      force_destroy: forceDestroy,
      configuration: {
        enforce_workgroup_configuration: true,
        publish_cloudwatch_metrics_enabled: true,
        bytes_scanned_cutoff_per_query: mib * MIB,
        engine_version: { selected_engine_version: "Athena engine version 3" },
        result_configuration: {
          output_location: `s3://${bucketRef(stack)}/athena-results/`,
          encryption_configuration: { encryption_option: "SSE_KMS" },
        },
      },
    });
    const kms = workgroup.configuration.result_configuration.encryption_configuration.kms_key_arn as string;
    expect(kms).toMatch(
      new RegExp(
        `^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-${config.environment}-platform\\.outputs\\.cross-stack-output-aws_kms_key[A-Za-z0-9_]+arn\\}$`,
      ),
    );
    expect(workgroup.configuration.bytes_scanned_cutoff_per_query).toBeGreaterThanOrEqual(10_485_760);
  });

  it("writes results outside the sink's cdc/ prefix, which the sink's role alone may write", () => {
    expect(ATHENA_RESULTS_PREFIX).toBe("athena-results");
    expect(ATHENA_RESULTS_PREFIX).not.toBe(TOPICS_DIR);
    const sinkPolicy = statementsAt(stack, `${env}/S3Sink/Role/PermissionsPolicy`);
    const writes = sinkPolicy.filter((s) => (s.actions as string[]).some((a) => a === "s3:PutObject"));
    expect(writes.flatMap((s) => s.resources)).toEqual([expect.stringMatching(/\/cdc\/\*$/)]);
    expect(JSON.stringify(sinkPolicy)).not.toContain("athena-results");
  });
});

describe("without a customer-managed key", () => {
  const stack = connectorsOf(
    demoWith((d) => {
      d.encryption = { customerManagedKey: false };
    }),
  );
  const workgroup = byPath(stack, "aws_athena_workgroup")["demo-connectors/LakeWorkgroup/Resource"];
  const analyst = statementsAt(stack, "demo-connectors/LakeAnalystPolicy/Document");

  it("encrypts results with SSE-S3, as the lake itself, and grants no key", () => {
    expect(workgroup?.configuration.result_configuration.encryption_configuration).toEqual({
      encryption_option: "SSE_S3",
    });
    expect(analyst.map((s) => s.sid)).toEqual([
      "Workgroup",
      "CatalogMetadata",
      "Catalog",
      "LakeBucket",
      "ListLakeAndResults",
      "ReadChangeData",
      "QueryResults",
    ]);
  });
});

describe("config/production.yaml: the analyst policy and the outputs", () => {
  const config = loadConfigFile("config/production.yaml");
  const stack = connectorsOf(config);
  const env = "prod-connectors";
  const PLATFORM = "data.terraform_remote_state.cross-stack-reference-input-prod-platform.outputs";
  const lake = `\${${PLATFORM}.cross-stack-output-aws_s3_bucketDataLake_E54831B2arn}`;
  const documents = stack.data.aws_iam_policy_document as Record<string, TerraformJson>;
  const statements = Object.fromEntries(
    statementsAt(stack, `${env}/LakeAnalystPolicy/Document`).map((s) => [s.sid, s]),
  );
  const sinkKey = statementsAt(stack, `${env}/S3Sink/Role/PermissionsPolicy`).find(
    (s) => s.sid === "LakeKey",
  )?.resources;
  const databaseArn = refTo(stack, `${env}/LakeCatalog/Database`, "arn");
  const arnPart = (i: number) => `\${element(split(":", ${databaseArn.slice(2, -1)}), ${i})}`;
  const glue = `arn:${arnPart(1)}:glue:${arnPart(3)}:${arnPart(4)}`;

  it("grants exactly: the workgroup, the lake's database and tables, cdc/ read, results read/write, the key via S3", () => {
    expect(statements).toEqual({
      Workgroup: {
        sid: "Workgroup",
        effect: "Allow",
        actions: [
          "athena:GetWorkGroup",
          "athena:StartQueryExecution",
          "athena:GetQueryExecution",
          "athena:GetQueryResults",
          "athena:GetQueryResultsStream",
          "athena:StopQueryExecution",
        ],
        resources: [refTo(stack, `${env}/LakeWorkgroup/Resource`, "arn")],
      },
      // Browsing through Athena (console tree, drivers' metadata): the Glue catalog's Athena ARN only.
      CatalogMetadata: {
        sid: "CatalogMetadata",
        effect: "Allow",
        actions: [
          "athena:GetDataCatalog",
          "athena:ListDatabases",
          "athena:GetDatabase",
          "athena:ListTableMetadata",
          "athena:GetTableMetadata",
        ],
        resources: [`arn:${arnPart(1)}:athena:${arnPart(3)}:${arnPart(4)}:datacatalog/AwsDataCatalog`],
      },
      Catalog: {
        sid: "Catalog",
        effect: "Allow",
        actions: [
          "glue:GetDatabase",
          "glue:GetDatabases",
          "glue:GetTable",
          "glue:GetTables",
          "glue:GetPartition",
          "glue:GetPartitions",
        ],
        resources: [
          `${glue}:catalog`,
          databaseArn,
          `${glue}:table/cdc_lake_prod_lake/*`,
          `${glue}:database/default`,
        ],
      },
      LakeBucket: {
        sid: "LakeBucket",
        effect: "Allow",
        actions: ["s3:GetBucketLocation"],
        resources: [lake],
      },
      ListLakeAndResults: {
        sid: "ListLakeAndResults",
        effect: "Allow",
        actions: ["s3:ListBucket"],
        resources: [lake],
        condition: [{ test: "StringLike", variable: "s3:prefix", values: ["cdc/*", "athena-results/*"] }],
      },
      ReadChangeData: {
        sid: "ReadChangeData",
        effect: "Allow",
        actions: ["s3:GetObject"],
        resources: [`${lake}/cdc/*`],
      },
      QueryResults: {
        sid: "QueryResults",
        effect: "Allow",
        actions: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        resources: [`${lake}/athena-results/*`],
      },
      LakeKey: {
        sid: "LakeKey",
        effect: "Allow",
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        // The pipeline's key, as the sink's role names it.
        resources: sinkKey,
        condition: [
          { test: "StringEquals", variable: "kms:ViaService", values: ["s3.us-east-1.amazonaws.com"] },
        ],
      },
    });
  });

  it("is a managed policy named <project>-<environment>-lake-analyst, from that document", () => {
    const policies = byPath(stack, "aws_iam_policy");
    expect(Object.keys(policies)).toEqual([`${env}/LakeAnalystPolicy/Resource`]);
    expect(policies[`${env}/LakeAnalystPolicy/Resource`]).toMatchObject({
      name: "cdc-lake-prod-lake-analyst",
      policy: `\${data.aws_iam_policy_document.${Object.keys(documents).find((id) => documents[id]?.["//"].metadata.path === `${env}/LakeAnalystPolicy/Document`)}.json}`,
    });
  });

  it("outputs the database, the workgroup, the results location and the policy's ARN", () => {
    expect(stack.output.lake_database).toEqual({
      value: refTo(stack, `${env}/LakeCatalog/Database`, "name"),
      description:
        "Glue database of the lake: a table per captured table, <table>_current and <table>_changes views",
    });
    expect(stack.output.athena_workgroup?.value).toBe(refTo(stack, `${env}/LakeWorkgroup/Resource`, "name"));
    expect(stack.output.athena_results_location?.value).toBe(`s3://${bucketRef(stack)}/athena-results/`);
    expect(stack.output.lake_analyst_policy_arn?.value).toBe(
      refTo(stack, `${env}/LakeAnalystPolicy/Resource`, "arn"),
    );
  });
});

describe("both connectors.jsonSchemas settings", () => {
  const tablesOf = (jsonSchemas: boolean) => {
    const stack = connectorsOf(
      demoWith((d) => {
        d.connectors = { ...d.connectors, jsonSchemas };
      }),
    );
    const sink = Object.values(byPath(stack, "aws_mskconnect_worker_configuration"));
    return { stack, lake: lakeResources(stack), sink };
  };
  const off = tablesOf(false);
  const on = tablesOf(true);

  it("give the same tables and views: the sink writes the bare envelope either way", () => {
    expect(on.lake).toEqual(off.lake);
    const student = on.lake.tables.for_each["cdc-lake-demo.public.student"] as TerraformJson;
    expect(student.columns.map((c: TerraformJson) => c.name)).toEqual([
      "before",
      "after",
      "source",
      "op",
      "ts_ms",
    ]);
  });

  it("while the sink's worker does read schemas in one and not the other", () => {
    const props = (s: typeof on) =>
      s.sink
        .map((w) => w.properties_file_content as string)
        .find((p) => p.includes("value.converter.schemas.enable"));
    expect(props(on)).toContain("value.converter.schemas.enable=true");
    expect(props(off)).toContain("value.converter.schemas.enable=false");
  });
});

describe("the workgroup's results in the lake bucket", () => {
  const lifecycleOf = (config: PipelineConfig) => {
    const synth = synthesize(config);
    synths.push(synth);
    const platform = synth.stacks[`${config.environment}-platform`] as TerraformJson;
    return byPath(platform, "aws_s3_bucket_lifecycle_configuration")[
      `${config.environment}-platform/DataLake/Lifecycle`
    ];
  };

  it("are deleted query.resultsRetentionDays after they are written, under the workgroup's prefix only", () => {
    for (const file of ["config/demo.yaml", "config/production.yaml"]) {
      const config = loadConfigFile(file);
      const rules = lifecycleOf(config)?.rule as TerraformJson[];
      expect(rules.filter((r) => r.id === "expire-athena-results")).toEqual([
        {
          id: "expire-athena-results",
          status: "Enabled",
          filter: [{ prefix: `${ATHENA_RESULTS_PREFIX}/` }],
          expiration: [{ days: config.query.resultsRetentionDays }],
        },
      ]);
      // Nothing else of the lake expires: the change events are kept.
      expect(rules.filter((r) => r.expiration !== undefined)).toHaveLength(1);
    }
    const kept = lifecycleOf(demoWith((d) => (d.query.resultsRetentionDays = 3)))?.rule as TerraformJson[];
    expect(kept.find((r) => r.id === "expire-athena-results")?.expiration).toEqual([{ days: 3 }]);
  });

  it("have no rule when the lake is not queryable", () => {
    const rules = lifecycleOf(demoWith((d) => (d.query.enabled = false)))?.rule as TerraformJson[];
    expect(rules.map((r) => r.id)).not.toContain("expire-athena-results");
  });
});

describe("query.enabled: false", () => {
  const stack = connectorsOf(demoWith((d) => (d.query = { enabled: false })));

  it("creates no catalog, view, workgroup, policy or output of the lake", () => {
    for (const type of [
      "aws_glue_catalog_database",
      "aws_glue_catalog_table",
      "aws_athena_workgroup",
      "aws_iam_policy",
    ]) {
      expect(stack.resource[type]).toBeUndefined();
    }
    const documents = Object.values(stack.data.aws_iam_policy_document as Record<string, TerraformJson>);
    expect(documents.map((d) => d["//"].metadata.path)).not.toContain(
      "demo-connectors/LakeAnalystPolicy/Document",
    );
    for (const output of [
      "lake_database",
      "athena_workgroup",
      "athena_results_location",
      "lake_analyst_policy_arn",
    ]) {
      expect(stack.output[output]).toBeUndefined();
    }
    expect(stack.output.lake_prefix).toBeDefined();
  });
});

describe("query config", () => {
  const problems = (query: unknown) => {
    const data = parse(readFileSync("config/demo.yaml", "utf8"));
    data.query = query;
    try {
      parseConfig(data, "test.yaml");
      return [];
    } catch (error) {
      return [...(error as { problems: string[] }).problems];
    }
  };

  it("defaults to on, a 10 GiB cutoff, results kept 30 days and 2026", () => {
    const data = parse(readFileSync("config/demo.yaml", "utf8"));
    delete data.query;
    expect(parseConfig(data, "test.yaml").query).toEqual({
      enabled: true,
      bytesScannedCutoffPerQueryMiB: 10_240,
      resultsRetentionDays: 30,
      firstPartitionYear: 2026,
    });
  });

  it("fails if results would be kept under a day", () => {
    expect(problems({ resultsRetentionDays: 0 })).toEqual([
      "query.resultsRetentionDays: got 0; expected at least 1 (an S3 lifecycle expiration is a whole number of days)",
    ]);
    expect(problems({ resultsRetentionDays: 1 })).toEqual([]);
  });

  it("fails if the first partition year is after this UTC year: the projection would read no folder", () => {
    const year = new Date().getUTCFullYear();
    expect(problems({ firstPartitionYear: year + 1 })).toEqual([
      `query.firstPartitionYear: got ${year + 1}; expected this year (${year}, UTC) or earlier: the sink names folders by UTC record time, and a later year would hide every one of them`,
    ]);
    expect(problems({ firstPartitionYear: year })).toEqual([]);
  });

  it("fails if the cutoff is under Athena's 10 MB minimum", () => {
    expect(problems({ bytesScannedCutoffPerQueryMiB: 9 })).toEqual([
      "query.bytesScannedCutoffPerQueryMiB: got 9; expected at least 10 (Athena's BytesScannedCutoffPerQuery has a minimum value of 10,000,000 bytes, and the AWS provider of 10 MiB)",
    ]);
    expect(problems({ bytesScannedCutoffPerQueryMiB: 10 })).toEqual([]);
  });

  it("fails on an unknown field", () => {
    expect(problems({ enable: true })).toEqual([expect.stringContaining("query")]);
  });
});

/** Joda-Time's formatting of the pattern letters the sink's path.format may use, in UTC; quoted text is literal. */
function jodaFormat(pattern: string, t: Date): string {
  const fields: Record<string, (width: number) => string> = {
    Y: (w) => String(t.getUTCFullYear()).padStart(w, "0"),
    M: (w) => String(t.getUTCMonth() + 1).padStart(w, "0"),
    d: (w) => String(t.getUTCDate()).padStart(w, "0"),
    H: (w) => String(t.getUTCHours()).padStart(w, "0"),
  };
  let out = "";
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i] as string;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      out += pattern.slice(i + 1, end);
      i = end + 1;
    } else if (fields[c]) {
      let j = i;
      while (pattern[j] === c) j += 1;
      out += (fields[c] as (w: number) => string)(j - i);
      i = j;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** Athena's value of each projected key for time `t`: the date format for `date`, digits for `integer`. */
function projectedValues(parameters: Readonly<Record<string, string>>, keys: readonly string[], t: Date) {
  return Object.fromEntries(
    keys.map((key) => {
      const type = parameters[`projection.${key}.type`];
      const value = {
        year: t.getUTCFullYear(),
        month: t.getUTCMonth() + 1,
        day: t.getUTCDate(),
        hour: t.getUTCHours(),
      }[key] as number;
      if (type === "date") {
        expect(parameters[`projection.${key}.format`]).toBe("yyyy");
        return [key, String(value).padStart(4, "0")];
      }
      const [low, high] = (parameters[`projection.${key}.range`] as string).split(",").map(Number);
      expect(value).toBeGreaterThanOrEqual(low as number);
      expect(value).toBeLessThanOrEqual(high as number);
      return [key, String(value).padStart(Number(parameters[`projection.${key}.digits`] ?? 1), "0")];
    }),
  );
}

describe("one source of truth: the sink's path.format, topics.dir and partition.duration.ms vs the projection", () => {
  const settings: S3SinkSettings = {
    topics: ["p.public.t"],
    bucketName: "lake",
    region: "us-east-1",
    flushSize: 1000,
    rotateScheduleIntervalMs: 60_000,
  };
  const times = [
    "2026-01-01T00:00:00Z",
    "2026-02-28T23:59:59Z",
    "2027-12-31T13:05:00Z",
    "2026-07-04T09:30:00Z",
  ].map((s) => new Date(s));

  /** For each time: the sink's object folder equals the folder Athena projects for the partition of that time. */
  function expectSameFolders(partitioning: SinkPartitioning | undefined) {
    const sink = s3SinkConnectorConfiguration({ ...settings, partitioning });
    const projection = lakePartitionProjection("p.public.t", 2026, partitioning);
    for (const t of times) {
      const written = `${sink["topics.dir"]}/p.public.t/${jodaFormat(sink["path.format"] as string, t)}/`;
      const values = projectedValues(projection.parameters, projection.partitionKeys, t);
      const projected = projection.templatePath.replace(
        /\$\{(\w+)\}/g,
        (_, key: string) => values[key] as string,
      );
      expect(projected).toBe(written);
      expect(written.startsWith(projection.locationPath)).toBe(true);
    }
    return { sink, projection };
  }

  it("the shipped layout: hourly folders, and the projection finds each one", () => {
    const { sink, projection } = expectSameFolders(undefined);
    expect(sink["path.format"]).toBe("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH");
    expect(sink["partition.duration.ms"]).toBe("3600000");
    expect(sink["topics.dir"]).toBe("cdc");
    expect(projection.templatePath).toBe(
      "cdc/p.public.t/year=${year}/month=${month}/day=${day}/hour=${hour}/",
    );
    expect(SINK_PARTITIONING).toEqual({ fields: ["year", "month", "day", "hour"], durationMs: 3_600_000 });
  });

  it("a changed layout changes both: daily folders drop the hour from the sink and from the projection", () => {
    const daily: SinkPartitioning = { fields: ["year", "month", "day"], durationMs: 86_400_000 };
    const { sink, projection } = expectSameFolders(daily);
    expect(sink["path.format"]).toBe("'year'=YYYY/'month'=MM/'day'=dd");
    expect(sink["partition.duration.ms"]).toBe("86400000");
    expect(projection.partitionKeys).toEqual(["year", "month", "day"]);
    expect(Object.keys(projection.parameters).filter((k) => k.startsWith("projection.hour"))).toEqual([]);
    expect(projection.templatePath).toBe("cdc/p.public.t/year=${year}/month=${month}/day=${day}/");
  });

  it("fails if the duration is not the finest folder's length, or the fields are not the calendar's", () => {
    expect(sinkPartitioningProblem({ fields: ["year", "month", "day"], durationMs: 3_600_000 })).toBe(
      "got partition.duration.ms 3600000 with day folders; expected 86400000, one day",
    );
    expect(sinkPartitioningProblem({ fields: ["year", "day"], durationMs: 86_400_000 })).toBe(
      "got the path fields year/day; expected the calendar's fields from the year down, e.g. year/month/day/hour",
    );
    expect(() => lakePartitionProjection("t", 2026, { fields: ["year", "month"], durationMs: 1 })).toThrow(
      "S3 sink partitioning: got month as the finest path field; expected day or hour (a month has no fixed length for partition.duration.ms)",
    );
    expect(() =>
      s3SinkConnectorConfiguration({
        ...settings,
        partitioning: { fields: ["year", "month", "day", "hour"], durationMs: 60_000 },
      }),
    ).toThrow(
      "S3 sink partitioning: got partition.duration.ms 60000 with hour folders; expected 3600000, one hour",
    );
  });
});

describe("lake names", () => {
  const naming = new Naming("cdc-lake", "demo");
  const entry = (topic: string, keys: string[] = []) => ({
    topic,
    table: { schema: topic.split(".")[1] as string, table: topic.split(".")[2] as string },
    field: "capture.tables",
    source: {
      relation: '"d"."t"',
      jsonSchemas: false,
      keyColumns: keys,
      partitionKeys: [],
    } as LakeViewSource,
  });

  it("are the topic, lowercase, with . and - as _", () => {
    expect(naming.lakeTable("Shop-Prod.sales.orders")).toBe("shop_prod_sales_orders");
    expect(naming.lakeView("shop-prod.sales.orders", "current")).toBe("shop_prod_sales_orders_current");
    expect(naming.athenaWorkgroup()).toBe("cdc-lake-demo-lake");
    expect(naming.lakeAnalystPolicy()).toBe("cdc-lake-demo-lake-analyst");
  });

  it("fails if two topics make one Glue name", () => {
    expect(
      lakeNameProblems(naming, [entry("shop-prod.sales.orders"), entry("shop_prod.sales.orders")]),
    ).toEqual([
      'capture.tables: got sales.orders, whose Glue table or view "shop_prod_sales_orders" is also shop-prod.sales.orders\'s; expected a distinct name per topic (Glue names are lowercase, . and - become _): rename the table or change a topic prefix',
      'capture.tables: got sales.orders, whose Glue table or view "shop_prod_sales_orders_changes" is also shop-prod.sales.orders\'s; expected a distinct name per topic (Glue names are lowercase, . and - become _): rename the table or change a topic prefix',
    ]);
  });

  it("fails if a view's name passes Glue's 255 characters", () => {
    const topic = `${"p".repeat(120)}.${"s".repeat(63)}.${"t".repeat(63)}`;
    expect(lakeNameProblems(naming, [entry(topic, ["id"])])).toEqual([
      `capture.tables: got ${"s".repeat(63)}.${"t".repeat(63)}, whose Glue table or view "${naming.lakeView(topic, "current")}" would be 256 characters; expected at most 255 (Glue's limit on a table name): shorten the topic prefix or the names`,
      `capture.tables: got ${"s".repeat(63)}.${"t".repeat(63)}, whose Glue table or view "${naming.lakeView(topic, "changes")}" would be 256 characters; expected at most 255 (Glue's limit on a table name): shorten the topic prefix or the names`,
    ]);
  });

  it("refuses a config whose two sources' topics make one Glue table", () => {
    const data = parse(readFileSync(MULTI_SOURCE, "utf8"));
    const legacy = data.sources.find((s: { name: string }) => s.name === "legacy");
    legacy.capture.topicPrefix = "shop_prod";
    legacy.capture.tables = [{ schema: "sales", table: "orders" }];
    expect(() => synthesize(parseConfig(data, "multi.yaml"))).toThrow(ConfigProblems);
    try {
      synthesize(parseConfig(data, "multi.yaml"));
    } catch (error) {
      expect((error as ConfigProblems).problems[0]).toBe(
        'sources[legacy].capture.tables: got sales.orders, whose Glue table or view "shop_prod_sales_orders" is also shop-prod.sales.orders\'s; expected a distinct name per topic (Glue names are lowercase, . and - become _): rename the table or change a topic prefix',
      );
    }
  });
});

/**
 * The queryable lake (issue 14) through Terraform: the connectors stack of both shipped profiles validates,
 * and plans offline, where Terraform's own reading of the JSON is checked: the projection's `${year}`
 * placeholders reach the Glue table as Athena's (not Terraform's), the views' definitions decode, the
 * workgroup's cutoff is in bytes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPipelineApp } from "../../src/app";
import { loadConfigFile } from "../../src/cli/load-config";
import { loadPlugins } from "../../src/cli/load-plugins";
import { Naming } from "../../src/config/naming";
import { decodePrestoViewText, hiveTypeOf } from "../../src/constructs/lake/lake-views";
import { changesViewSql, currentStateViewSql, lakeTableColumns, viewColumns } from "../../src/sql/lake-views";
import { RAW_RESOURCES_FILE } from "../../src/stacks/pipeline-stack";
import { expectedLakeTables } from "../support/lake";
import { StackWorkdir } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";
import { writeConnectorsDir } from "../support/zip-fixtures";

const BUCKET = "cdc-lake-lake-20260101";
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

/** A plausible value for each platform and database output the connectors stack reads. */
function fakeOutput(name: string): unknown {
  const values: [RegExp, unknown][] = [
    [
      /aws_msk_cluster.*arn$/,
      "arn:aws:kafka:us-east-1:123456789012:cluster/cdc-lake/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab-2",
    ],
    [/bootstrap_brokers_sasl_iam$/, "b-1.lake.kafka.us-east-1.amazonaws.com:9098"],
    [/aws_db_instance.*address$/, "cdc-lake.abcdefghij.us-east-1.rds.amazonaws.com"],
    [/aws_db_instance.*port$/, 5432],
    [/aws_kms_key.*arn$/, KEY_ARN],
    [/alarm_topic_arn$/, "arn:aws:sns:us-east-1:123456789012:cdc-lake-alerts"],
    [/aws_s3_bucket.*arn$/, `arn:aws:s3:::${BUCKET}`],
    [/aws_s3_bucket.*bucket$/, BUCKET],
    [/aws_security_group.*id$/, "sg-0123456789abcdef0"],
    [/aws_subnet.*id$/, "subnet-0123456789abcdef0"],
    [/cdc_secret_arn$/, "arn:aws:secretsmanager:us-east-1:123456789012:secret:cdc-lake/postgres/cdc-AbCdEf"],
    [/cdc_secret_name$/, "cdc-lake/postgres/cdc-20260101000000000000000001"],
    [/cdc_secret_version_id$/, "7f0c3a5e-1111-2222-3333-444455556666"],
    [/heartbeat_table$/, "cdc.debezium_heartbeat"],
    [/publication_name$/, "cdc_lake_publication"],
    [/replication_slot_name$/, "cdc_lake_slot"],
  ];
  const found = values.find(([pattern]) => pattern.test(name));
  if (!found) throw new Error(`no fake value for the remote output ${name}`);
  return found[1];
}

describeWithTerraform("terraform: the queryable lake", (tier) => {
  const root = mkdtempSync(join(tmpdir(), "cdc-lake-tf-lake-"));
  const project = join(root, "project");
  const zips = writeConnectorsDir(join(project, "connectors"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe.each([
    ["config/demo.yaml", 1024],
    ["config/production.yaml", 10_240],
    ["config/examples/multi-source.yaml", 10_240],
  ] as const)("%s", (file, mib) => {
    const config = loadConfigFile(file);
    const naming = new Naming(config.project, config.environment);
    const stackName = `${config.environment}-connectors`;
    const outdir = mkdtempSync(join(root, "out-"));
    buildPipelineApp(config, loadPlugins(zips.dir, project, zips.lockFile), { outdir }).app.synth();
    const stackDir = join(outdir, "stacks", stackName);
    const json = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
    // The tables and views are written beside cdk.tf.json (RawResource); Terraform reads both files.
    const raw = JSON.parse(readFileSync(join(stackDir, RAW_RESOURCES_FILE), "utf8"));

    it("validates, with the catalog, the tables, the views, the workgroup and the policy in it", () => {
      expect(json.resource.aws_glue_catalog_table).toBeUndefined();
      // Two resources with for_each: every table, and every view (the plan below expands them).
      expect(Object.keys(raw.resource.aws_glue_catalog_table).sort()).toEqual(["lake_tables", "lake_views"]);
      expect(Object.keys(json.resource.aws_glue_catalog_database)).toHaveLength(1);
      expect(Object.keys(json.resource.aws_athena_workgroup)).toHaveLength(1);
      expect(Object.keys(json.resource.aws_iam_policy)).toHaveLength(1);
      const workdir = new StackWorkdir(tier, stackDir);
      try {
        workdir.initWithoutBackend();
        expect(workdir.ok("validate")).toContain("The configuration is valid.");
      } finally {
        workdir.cleanup();
      }
    });

    it("plans offline: Athena's placeholders, the views' definitions and the cutoff as Terraform reads them", () => {
      const workdir = new StackWorkdir(tier, stackDir, { pathInProject: `cdktf.out/stacks/${stackName}` });
      let planned: { type: string; name: string; index?: string; values: Record<string, any> }[];
      try {
        const outputs = (remote: string) =>
          Object.fromEntries(workdir.remoteOutputsRead(remote).map((name) => [name, fakeOutput(name)]));
        const remotes = Object.keys(json.data.terraform_remote_state);
        workdir.fakeRemoteStates(Object.fromEntries(remotes.map((r) => [r, outputs(r)])));
        // Production reads the other stacks' state from S3: the fake states are local files.
        writeFileSync(
          join(workdir.dir, "zz_backend_override.tf.json"),
          JSON.stringify({
            data: {
              terraform_remote_state: Object.fromEntries(remotes.map((r) => [r, { backend: "local" }])),
            },
          }),
        );
        workdir.prepareOfflinePlan(config.region);
        mkdirSync(join(workdir.root, "connectors"));
        for (const zip of Object.keys(zips.lock))
          copyFileSync(join(zips.dir, zip), join(workdir.root, "connectors", zip));
        planned = workdir.offlinePlanJson().planned_values.root_module.resources;
      } finally {
        workdir.cleanup();
      }
      const of = (type: string) => planned.filter((r) => r.type === type).map((r) => r.values);
      const instances = (name: string) =>
        new Map(
          planned
            .filter((r) => r.type === "aws_glue_catalog_table" && r.name === name)
            .map((r) => [r.index as string, r.values]),
        );

      expect(of("aws_glue_catalog_database").map((d) => d.name)).toEqual([naming.glueDatabase()]);
      // Every table, as Terraform expands lake_tables: keyed by topic, its name, folder, template, columns.
      const expected = expectedLakeTables(config);
      const tables = instances("lake_tables");
      expect([...tables.keys()].sort()).toEqual(expected.map((t) => t.topic).sort());
      for (const t of expected) {
        const table = tables.get(t.topic);
        expect(table).toMatchObject({
          name: t.name,
          database_name: naming.glueDatabase(),
          table_type: "EXTERNAL_TABLE",
          description: `Change events of topic ${t.topic}`,
        });
        expect(table?.parameters["storage.location.template"]).toBe(
          `s3://${BUCKET}/cdc/${t.topic}/year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/`,
        );
        expect(table?.parameters["projection.year.range"]).toBe(`${config.query.firstPartitionYear},NOW`);
        expect(table?.storage_descriptor[0].location).toBe(`s3://${BUCKET}/cdc/${t.topic}/`);
        expect(
          table?.storage_descriptor[0].columns.map((c: { name: string; type: string }) => ({
            name: c.name,
            type: c.type,
          })),
        ).toEqual(lakeTableColumns(t.source));
        expect(table?.partition_keys.map((k: { name: string }) => k.name)).toEqual([
          "year",
          "month",
          "day",
          "hour",
        ]);
      }

      // Every view, as Terraform expands lake_views: the definition it stores decodes to the generated SQL.
      const views = instances("lake_views");
      const viewNames = expected.flatMap((t) => [
        ...(t.hasKey ? [naming.lakeView(t.topic, "current")] : []),
        naming.lakeView(t.topic, "changes"),
      ]);
      expect([...views.keys()].sort()).toEqual(viewNames.sort());
      for (const t of expected) {
        const kinds = [
          ...(t.hasKey
            ? [["current", currentStateViewSql(t.source, "athena"), "current-state"] as const]
            : []),
          ["changes", changesViewSql(t.source, "athena"), "changes"] as const,
        ];
        for (const [kind, sql, columnsKind] of kinds) {
          const view = views.get(naming.lakeView(t.topic, kind));
          expect(view).toMatchObject({
            name: naming.lakeView(t.topic, kind),
            database_name: naming.glueDatabase(),
            table_type: "VIRTUAL_VIEW",
            view_expanded_text: "/* Presto View */",
            parameters: { presto_view: "true", comment: "Presto View" },
          });
          // What Terraform encodes from the view's shape and relation (prestoViewTextTemplate).
          expect(decodePrestoViewText(view?.view_original_text)).toEqual({
            originalSql: sql,
            catalog: "awsdatacatalog",
            schema: naming.glueDatabase(),
            columns: viewColumns(t.source, columnsKind),
          });
          expect(
            view?.storage_descriptor[0].columns.map((c: { name: string; type: string }) => ({
              name: c.name,
              type: c.type,
            })),
          ).toEqual(
            viewColumns(t.source, columnsKind).map((c) => ({ name: c.name, type: hiveTypeOf(c.type) })),
          );
        }
      }

      const [workgroup] = of("aws_athena_workgroup");
      expect(workgroup?.configuration[0]).toMatchObject({
        bytes_scanned_cutoff_per_query: mib * 1_048_576,
        enforce_workgroup_configuration: true,
        publish_cloudwatch_metrics_enabled: true,
      });
      expect(workgroup?.configuration[0].result_configuration[0]).toMatchObject({
        output_location: `s3://${BUCKET}/athena-results/`,
        encryption_configuration: [{ encryption_option: "SSE_KMS", kms_key_arn: KEY_ARN }],
      });
      expect(of("aws_iam_policy").map((p) => p.name)).toEqual([naming.lakeAnalystPolicy()]);
    });
  });
});

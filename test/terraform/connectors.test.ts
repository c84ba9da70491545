import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPipelineApp } from "../../src/app";
import { loadConfigFile } from "../../src/cli/load-config";
import { loadPlugins } from "../../src/cli/load-plugins";
import { formatLock, lockForManifest } from "../../src/plugins/lock";
import { loadManifest } from "../../src/plugins/manifest";
import { buildZip, readZipDirectory, readZipEntry } from "../../src/plugins/zip";
import { DEMO_CONFIG } from "../support/synth";
import { StackWorkdir } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";
import { writeConnectorsDir } from "../support/zip-fixtures";

const DEBEZIUM_ZIP = "debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip";
const SINK_ZIP = "confluentinc-kafka-connect-s3-10.6.7.zip";
const STACK = "demo-connectors";
const PLATFORM = "cross-stack-reference-input-demo-platform";
const DATABASE = "cross-stack-reference-input-demo-database";
const KAFKA_ARN =
  "arn:aws:kafka:us-east-1:123456789012:cluster/cdc-lake-demo/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab-2";
const SECRET_VERSION_ID = "7f0c3a5e-1111-2222-3333-444455556666";

/** A plausible value for each output of the platform and database stacks the connectors stack reads. */
function fakeOutput(name: string): unknown {
  const values: [RegExp, unknown][] = [
    [/aws_msk_cluster.*arn$/, KAFKA_ARN],
    [
      /bootstrap_brokers_sasl_iam$/,
      "b-1.demo.kafka.us-east-1.amazonaws.com:9098,b-2.demo.kafka.us-east-1.amazonaws.com:9098",
    ],
    [/aws_db_instance.*address$/, "cdc-lake-demo.abcdefghij.us-east-1.rds.amazonaws.com"],
    [/aws_db_instance.*port$/, 5432],
    [/aws_kms_key.*arn$/, "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"],
    [/aws_s3_bucket.*arn$/, "arn:aws:s3:::cdc-lake-demo-lake-20260101"],
    [/aws_s3_bucket.*bucket$/, "cdc-lake-demo-lake-20260101"],
    [/aws_security_group.*id$/, "sg-0123456789abcdef0"],
    [/aws_subnet.*id$/, `subnet-${createHash("sha256").update(name).digest("hex").slice(0, 17)}`],
    [
      /cdc_secret_arn$/,
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:cdc-lake-demo/postgres/cdc-AbCdEf",
    ],
    [/cdc_secret_name$/, "cdc-lake-demo/postgres/cdc_lake_demo_cdc-20260101000000000000000001"],
    [/cdc_secret_version_id$/, SECRET_VERSION_ID],
    [/heartbeat_table$/, "cdc.debezium_heartbeat"],
    [/publication_name$/, "cdc_lake_demo_publication"],
    [/replication_slot_name$/, "cdc_lake_demo_slot"],
  ];
  const found = values.find(([pattern]) => pattern.test(name));
  if (!found) throw new Error(`no fake value for the remote output ${name}`);
  return found[1];
}

describeWithTerraform("terraform: demo-connectors", (tier) => {
  const root = mkdtempSync(join(tmpdir(), "cdc-lake-tf-connectors-"));
  // A stand-in project: connectors/ holds the fixture zips and the lock that pins them.
  const project = join(root, "project");
  const zips = writeConnectorsDir(join(project, "connectors"));
  // The lock as a fresh clone of the repository has it today: every pin unrecorded.
  const unrecorded = join(root, "unrecorded.lock.json");
  writeFileSync(unrecorded, formatLock(lockForManifest(loadManifest(), {})));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** The connectors stack synthesized with the zips of `dir` and the pins of `lockFile`; its folder. */
  function synthConnectors(dir: string, lockFile: string): string {
    const outdir = mkdtempSync(join(root, "out-"));
    const plugins = loadPlugins(dir, project, lockFile);
    buildPipelineApp(loadConfigFile(DEMO_CONFIG), plugins, { outdir }).app.synth();
    return join(outdir, "stacks", STACK);
  }

  /** A copy of the stack whose remote state reads get the fake outputs, ready to plan offline. */
  function offline(stackDir: string, options: { pathInProject?: string } = {}): StackWorkdir {
    const workdir = new StackWorkdir(tier, stackDir, options);
    const outputs = (remote: string) =>
      Object.fromEntries(workdir.remoteOutputsRead(remote).map((name) => [name, fakeOutput(name)]));
    workdir.fakeRemoteStates({ [PLATFORM]: outputs(PLATFORM), [DATABASE]: outputs(DATABASE) });
    workdir.prepareOfflinePlan("us-east-1");
    return workdir;
  }

  /** Plans and expects a refusal: the error lines, whitespace folded. */
  function refusal(workdir: StackWorkdir): string {
    const plan = workdir.run("plan", "-refresh=false", "-input=false");
    expect(plan.code).not.toBe(0);
    return plan.output.replace(/\s+/g, " ");
  }

  const fresh = synthConnectors(join(root, "no-zips"), unrecorded);

  it("validates the whole stack synthesized without any zip and without any pin", () => {
    const json = JSON.parse(readFileSync(join(fresh, "cdk.tf.json"), "utf8"));
    expect(Object.keys(json.resource.aws_mskconnect_connector)).toHaveLength(2);
    expect(Object.keys(json.resource.aws_mskconnect_custom_plugin)).toHaveLength(2);
    const workdir = new StackWorkdir(tier, fresh);
    try {
      workdir.initWithoutBackend();
      expect(workdir.ok("validate")).toContain("The configuration is valid.");
    } finally {
      workdir.cleanup();
    }
  });

  it("refuses to plan while a pin is unrecorded, saying how to record it, before any provider error", () => {
    const workdir = offline(fresh);
    try {
      const text = refusal(workdir);
      for (const zip of [DEBEZIUM_ZIP, SINK_ZIP]) {
        expect(text).toContain(
          `the sha256 of ${zip} is not recorded in ${unrecorded} yet: run npm run connectors:fetch on a machine that reaches the vendors' sites, review the lock file's diff and commit it, then synthesize again`,
        );
      }
      expect(text.match(/Error:/g)).toHaveLength(2);
      expect(text.match(/Resource precondition failed/g)).toHaveLength(2);
    } finally {
      workdir.cleanup();
    }
  });

  it("refuses to plan when a pinned zip is missing, with the fetch command", () => {
    const empty = join(root, "empty");
    const workdir = offline(synthConnectors(empty, zips.lockFile));
    try {
      const text = refusal(workdir);
      for (const zip of [DEBEZIUM_ZIP, SINK_ZIP]) {
        expect(text).toContain(
          `${empty}/${zip} is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
        );
      }
      expect(text.match(/Error:/g)).toHaveLength(2);
      expect(text.match(/Resource precondition failed/g)).toHaveLength(2);
    } finally {
      workdir.cleanup();
    }
  });

  it("refuses to plan when a zip's sha256 is not its pin, naming both and the fixes", () => {
    const other = join(root, "other");
    mkdirSync(other);
    copyFileSync(zips.plugins["debezium-postgres"] as string, join(other, DEBEZIUM_ZIP));
    // The sink, as a vendor might republish it: the same jars, other bytes.
    const sink = zips.plugins["s3-sink"] as string;
    const entries = readZipDirectory(sink).map((e) => ({ name: e.name, data: readZipEntry(sink, e.name) }));
    const republished = buildZip(entries);
    writeFileSync(join(other, SINK_ZIP), republished);
    const workdir = offline(synthConnectors(other, zips.lockFile));
    try {
      const text = refusal(workdir);
      const actual = createHash("sha256").update(republished).digest("hex");
      expect(text).toContain(
        `${other}/${SINK_ZIP} is not the zip pinned in ${zips.lockFile}: its sha256 is ${actual}, expected ${zips.lock[SINK_ZIP]?.sha256}. Delete it and run npm run connectors:fetch; if the vendor republished it, check why and run npm run connectors:fetch -- --update-pin ${SINK_ZIP}`,
      );
      // The Debezium zip is the pinned one: one refusal only.
      expect(text.match(/Error:/g)).toHaveLength(1);
    } finally {
      workdir.cleanup();
    }
  });

  describe("with every zip pinned and in connectors/ (read relative to the stack folder)", () => {
    const stackDir = synthConnectors(zips.dir, zips.lockFile);
    const json = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
    let planned: { type: string; values: Record<string, any> }[] = [];

    it("reads the zips at ../../../connectors/<file>", () => {
      expect(
        Object.values<any>(json.resource.aws_s3_object)
          .map((o) => o.source)
          .sort(),
      ).toEqual([`../../../connectors/${SINK_ZIP}`, `../../../connectors/${DEBEZIUM_ZIP}`]);
    });

    it("plans offline: both plugins keyed by their pins, both connectors, the tracker with the secret version", () => {
      const workdir = offline(stackDir, { pathInProject: `cdktf.out/stacks/${STACK}` });
      try {
        // The project's stand-in: connectors/ beside cdktf.out/, as in the repository.
        mkdirSync(join(workdir.root, "connectors"));
        for (const zip of [DEBEZIUM_ZIP, SINK_ZIP])
          copyFileSync(join(zips.dir, zip), join(workdir.root, "connectors", zip));
        planned = workdir.offlinePlanJson().planned_values.root_module.resources;
      } finally {
        workdir.cleanup();
      }
      const of = (type: string) => planned.filter((r) => r.type === type).map((r) => r.values);
      expect(
        of("aws_s3_object")
          .map((o) => o.key)
          .sort(),
      ).toEqual([
        `plugins/debezium-postgres/${zips.lock[DEBEZIUM_ZIP]?.sha256}.zip`,
        `plugins/s3-sink/${zips.lock[SINK_ZIP]?.sha256}.zip`,
      ]);
      expect(of("aws_mskconnect_custom_plugin")).toHaveLength(2);
      const connectors = of("aws_mskconnect_connector");
      expect(connectors.map((c) => c.name).sort()).toEqual([
        "cdc-lake-demo-debezium-source",
        "cdc-lake-demo-s3-sink",
      ]);
      const debezium = connectors.find((c) => c.name === "cdc-lake-demo-debezium-source");
      expect(debezium?.capacity).toEqual([
        { autoscaling: [], provisioned_capacity: [{ mcu_count: 1, worker_count: 1 }] },
      ]);
      const trackers = of("terraform_data").map((t) => t.input);
      expect(trackers.map((t) => t.credentials_secret_version)).toContain(SECRET_VERSION_ID);
    });
  });

  it("turns the secret reference into what the config provider expects: ${secretsmanager:<name>:password}", () => {
    const json = JSON.parse(readFileSync(join(fresh, "cdk.tf.json"), "utf8"));
    const connector = Object.values<any>(json.resource.aws_mskconnect_connector)[0];
    const template = connector.connector_configuration["database.password"] as string;
    const name = "cdc-lake-demo/postgres/cdc_lake_demo_cdc-20261126073000000000000001";
    const expression = template.replace(/data\.terraform_remote_state\.[^,]+/, JSON.stringify(name));
    const dir = mkdtempSync(join(root, "console-"));
    writeFileSync(join(dir, ".terraformrc"), "");
    const result = spawnSync(tier.terraform, ["console"], {
      cwd: dir,
      input: `"${expression.replace(/^"|"$/g, "")}"\n`,
      encoding: "utf8",
      env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, ".terraformrc"), CHECKPOINT_DISABLE: "1" },
    });
    expect(result.stdout.trim()).toBe(
      '"${secretsmanager:cdc-lake-demo/postgres/cdc_lake_demo_cdc-20261126073000000000000001:password}"',
    );
  });
});

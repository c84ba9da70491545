/**
 * Issue 11, item 8: a rotated CDC password (capture.cdcPasswordVersion) must reach Debezium. The database
 * stack writes a new secret version and sets the role's password from it; its CaptureReady barrier
 * exports that version's id (once the password step ran), and the Debezium connector's replacement
 * tracker holds it, so the connector is replaced, with the new password, after the role has it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../src/config/parse";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { byPath, managedCapture, refTo, single, synthesize, type TerraformJson } from "../support/synth";
import { withPins, writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-rotation-"));
const zips = writeConnectorsDir(join(root, "connectors"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function profile(file: string, cdcPasswordVersion?: number): PipelineConfig {
  const data = parse(readFileSync(file, "utf8"));
  if (cdcPasswordVersion !== undefined) data.capture.cdcPasswordVersion = cdcPasswordVersion;
  return parseConfig(data, file);
}

function synth(config: PipelineConfig) {
  const out = withPins(zips.lockFile, () => synthesize(config, { connectorsDir: zips.dir }));
  const stacks = { ...out.stacks };
  out.cleanup();
  return stacks;
}

const OUTPUT = "cross-stack-output-terraform_dataCaptureReadyoutputcdc_secret_version_id";

describe.each([
  ["config/demo.yaml", "demo"],
  ["config/production.yaml", "prod"],
])("password rotation reaches Debezium: %s", (file, env) => {
  const stacks = synth(profile(file));
  const database = stacks[`${env}-database`] as TerraformJson;
  const connectors = stacks[`${env}-connectors`] as TerraformJson;
  const secretVersion = `${env}-database/CdcRole/SecretValue`;

  it("exports the CDC secret's version id through the CaptureReady barrier, after the role has that password", () => {
    const ready = byPath(database, "terraform_data")[`${env}-database/CaptureReady`] as TerraformJson;
    expect(ready.input.cdc_secret_version_id).toBe(refTo(database, secretVersion, "version_id"));
    // The barrier's output changes only after the step that sets the role's password from that version.
    expect(ready.depends_on).toContain(refTo(database, `${env}-database/CdcRole/Password`, "x").slice(2, -3));
    expect(database.output[OUTPUT].value).toBe(
      '${terraform_data.CaptureReady.output["cdc_secret_version_id"]}',
    );
  });

  it("holds that version in the Debezium connector's replacement tracker, not in its configuration", () => {
    const debezium = byPath(connectors, "aws_mskconnect_connector")[`${env}-connectors/Debezium/Resource`];
    const tracker = byPath(connectors, "terraform_data")[`${env}-connectors/Debezium/Configuration`];
    expect(tracker?.input.credentials_secret_version).toBe(
      `\${data.terraform_remote_state.cross-stack-reference-input-${env}-database.outputs.${OUTPUT}}`,
    );
    expect(debezium?.lifecycle.replace_triggered_by).toEqual([
      refTo(connectors, `${env}-connectors/Debezium/Configuration`, "x").slice(2, -3),
    ]);
    expect(JSON.stringify(debezium?.connector_configuration)).not.toContain("version");
    // The sink does not log in to PostgreSQL: a rotation leaves it running.
    const sinkTracker = byPath(connectors, "terraform_data")[`${env}-connectors/S3Sink/Configuration`];
    expect(JSON.stringify(sinkTracker?.input)).not.toContain("cdc_secret_version_id");
  });

  it("makes a new secret version when cdcPasswordVersion changes, hence a new output and tracker value at apply", () => {
    const current = managedCapture(profile(file)).cdcPasswordVersion;
    const rotated = synth(profile(file, current + 1));
    const version = (json: TerraformJson) => single(json, "aws_secretsmanager_secret_version");
    expect(version(database).secret_string_wo_version).toBe(current);
    // secret_string_wo_version forces a new version (provider 5.100: ForceNew): a new version_id.
    expect(version(rotated[`${env}-database`] as TerraformJson).secret_string_wo_version).toBe(current + 1);
    // The connectors stack itself is unchanged: the new id arrives through the database stack's output.
    expect(rotated[`${env}-connectors`]).toEqual(connectors);
  });
});

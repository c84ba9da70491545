import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/errors";
import { inspectPlugin } from "../../src/plugins/inspect-plugin";
import { loadManifest, pluginById } from "../../src/plugins/manifest";
import { makeConnectorFixtures, writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-plugins-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fixtures = makeConnectorFixtures(join(root, "fixtures"));
const manifest = loadManifest();
const debezium = pluginById(manifest, "debezium-postgres");
const sink = pluginById(manifest, "s3-sink");

/** A connectors folder whose S3 sink plugin zip is `zip`. */
function sinkDirWith(zip: string): string {
  const dir = mkdtempSync(join(root, "dir-"));
  copyFileSync(zip, join(dir, sink.file));
  return dir;
}

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error("expected a UserError");
}

describe("connector zips at synth", () => {
  it("accepts a complete folder and records each plugin's sha256 and Terraform path", () => {
    const complete = writeConnectorsDir(join(root, "complete"));
    const artifact = inspectPlugin(debezium, complete.dir, root);
    expect(artifact).toMatchObject({ state: "ready", terraformPath: `../../../complete/${debezium.file}` });
    expect(artifact.state === "ready" && artifact.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(inspectPlugin(sink, complete.dir, root).state).toBe("ready");
  });

  it("refers to a zip outside the project by absolute path", () => {
    const complete = writeConnectorsDir(join(root, "elsewhere"));
    const artifact = inspectPlugin(sink, complete.dir, "/nonexistent-project");
    expect(artifact.state === "ready" && artifact.terraformPath).toBe(join(complete.dir, sink.file));
  });

  it("reports a missing zip with the fix, without failing", () => {
    const dir = join(root, "empty");
    mkdirSync(dir);
    expect(inspectPlugin(sink, dir, process.cwd())).toEqual({
      spec: sink,
      state: "missing",
      message: `${dir}/${sink.file} is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
    });
  });

  it("fails if the file is not a zip", () => {
    const dir = sinkDirWith(fixtures.notAZip);
    expect(problem(() => inspectPlugin(sink, dir, process.cwd()))).toBe(
      `${dir}/${sink.file} is not a zip file: delete it and run npm run connectors:fetch`,
    );
  });

  it("fails if the zip holds another connector", () => {
    const dir = sinkDirWith(fixtures.wrongJar);
    expect(problem(() => inspectPlugin(sink, dir, process.cwd()))).toBe(
      `${dir}/${sink.file} holds no kafka-connect-s3-10.6.7.jar (not the Confluent S3 sink 10.6.7?): delete it and run npm run connectors:fetch`,
    );
  });

  it("fails if the zip holds the connector in another version", () => {
    const dir = mkdtempSync(join(root, "dir-"));
    copyFileSync(fixtures.wrongVersion, join(dir, debezium.file));
    expect(problem(() => inspectPlugin(debezium, dir, process.cwd()))).toBe(
      `${dir}/${debezium.file} holds debezium-connector-postgres-2.4.0.Final.jar; expected debezium-connector-postgres-2.3.7.Final.jar: delete it and run npm run connectors:fetch`,
    );
  });

  it("fails if the Debezium plugin lacks the bundled config provider", () => {
    const dir = mkdtempSync(join(root, "dir-"));
    copyFileSync(fixtures.debezium, join(dir, debezium.file));
    expect(problem(() => inspectPlugin(debezium, dir, process.cwd()))).toBe(
      `${dir}/${debezium.file} holds no msk-config-providers-0.1.0.jar (not the Debezium PostgreSQL source 2.3.7.Final, with the MSK config providers (Secrets Manager) bundled in?): delete it and run npm run connectors:fetch`,
    );
  });
});

import { describe, expect, it } from "vitest";
import { ConnectorPlugin } from "../../src/constructs/msk-connect/connector-plugin";
import { PrivateBucket } from "../../src/constructs/storage/private-bucket";
import type { PluginArtifact } from "../../src/plugins/inspect-plugin";
import { only, synthConstruct } from "./msk-connect-fixture";

const SPEC = {
  id: "s3-sink",
  description: "S3 sink (test)",
  file: "sink.zip",
  connectorClass: "x.Y",
  sources: [{ file: "sink.zip", url: "https://example.test/s.zip", jar: { name: "s", version: "1" } }],
};
const PIN = "ab".repeat(32);

function synth(artifact: PluginArtifact) {
  return synthConstruct((scope) => {
    const bucket = new PrivateBucket(scope, "PluginBucket", {
      bucketPrefix: "t-plugins-",
      forceDestroy: false,
    });
    new ConnectorPlugin(scope, "Plugin", { name: (hash) => `t-s3-sink-${hash}`, bucket, artifact });
  });
}

describe("ConnectorPlugin (alone in a stack)", () => {
  it("keys and names the plugin by its pin, and checks the zip against it at plan", () => {
    const json = synth({
      state: "ready",
      spec: SPEC,
      sha256: PIN,
      terraformPath: "../../../connectors/sink.zip",
      path: "connectors/sink.zip",
    });
    expect(only(json, "aws_mskconnect_custom_plugin")).toMatchObject({
      name: `t-s3-sink-${PIN.slice(0, 8)}`,
      description: `S3 sink (test) (sha256 ${PIN})`,
    });
    const upload = only(json, "aws_s3_object");
    expect(upload).toMatchObject({
      key: `plugins/s3-sink/${PIN}.zip`,
      source: "../../../connectors/sink.zip",
      source_hash: PIN,
    });
    expect(json.locals.connector_zip_s3_sink).toEqual({ path: "../../../connectors/sink.zip", sha256: PIN });
    expect(upload.lifecycle.precondition.map((p: { error_message: string }) => p.error_message)).toEqual([
      "connectors/sink.zip is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)",
      `connectors/sink.zip is not the zip pinned in connectors/connectors.lock.json: its sha256 is \${try(filesha256(local.connector_zip_s3_sink.path), "unreadable")}, expected ${PIN}. Delete it and run npm run connectors:fetch; if the vendor republished it, check why and run npm run connectors:fetch -- --update-pin sink.zip`,
    ]);
  });

  it("is declared unpinned while its pin is not recorded, with a precondition that refuses the plan", () => {
    const json = synth({ state: "unpinned", spec: SPEC, terraformPath: "../../../connectors/sink.zip" });
    expect(only(json, "aws_mskconnect_custom_plugin").name).toBe("t-s3-sink-unpinned");
    const upload = only(json, "aws_s3_object");
    expect(upload).toMatchObject({ key: "plugins/s3-sink/unpinned.zip", source_hash: "unpinned" });
    expect(upload.lifecycle.precondition).toEqual([
      {
        condition: '${local.connector_zip_s3_sink.sha256 != "unpinned"}',
        error_message:
          "the sha256 of sink.zip is not recorded in connectors/connectors.lock.json yet: run npm run connectors:fetch on a machine that reaches the vendors' sites, review the lock file's diff and commit it, then synthesize again",
      },
    ]);
  });

  it("escapes Terraform templates in a path from the environment (CDC_CONNECTORS_DIR)", () => {
    const json = synth({
      state: "ready",
      spec: SPEC,
      sha256: PIN,
      terraformPath: "/tmp/${x}/%{y}/sink.zip",
      path: "/tmp/${x}/%{y}/sink.zip",
    });
    expect(only(json, "aws_s3_object").source).toBe("/tmp/$${x}/%%{y}/sink.zip");
    expect(json.locals.connector_zip_s3_sink.path).toBe("/tmp/$${x}/%%{y}/sink.zip");
    expect(only(json, "aws_s3_object").lifecycle.precondition[0].error_message).toMatch(
      /^\/tmp\/\$\$\{x\}\/%%\{y\}\//,
    );
  });
});

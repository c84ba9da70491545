import { MskconnectCustomPlugin } from "@cdktf/provider-aws/lib/mskconnect-custom-plugin";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { differentZipMessage, missingZipMessage, type PluginArtifact } from "../../plugins/inspect-plugin";
import { FETCH_COMMAND } from "../../plugins/lock";
import { LOCK_FILE } from "../../plugins/manifest";
import type { PrivateBucket } from "../storage/private-bucket";
import { escapeTemplate } from "../terraform/escape-template";

/** What stands for the hash of a plugin whose pin is not recorded yet (8 characters, as a short hash). */
export const UNPINNED = "unpinned";

export interface ConnectorPluginProps {
  /** The plugin's name for the first 8 hex digits of its zip's pinned sha256 (or {@link UNPINNED}). */
  readonly name: (zipHash: string) => string;
  readonly artifact: PluginArtifact;
  readonly bucket: PrivateBucket;
}

/**
 * A custom plugin from a connector zip: the zip goes to S3 under a key holding its sha256, and the plugin
 * is named from the same hash. MSK Connect plugins are immutable (terraform-provider-aws #22481), so a new
 * zip makes a new plugin (and a new connector) instead of an update that cannot happen.
 *
 * The hash is the pin of connectors.lock.json, not the local file's: the stack is the same with or without
 * the zip on disk. Terraform checks the zip before uploading it: preconditions on the upload refuse the
 * plan while the pin is unrecorded, when the zip is missing, and when its sha256 (`filesha256`) is not
 * the pin, each with the command that fixes it.
 */
export class ConnectorPlugin extends Construct {
  readonly plugin: MskconnectCustomPlugin;
  readonly object: S3Object;

  constructor(scope: Construct, id: string, props: ConnectorPluginProps) {
    super(scope, id);
    const { artifact } = props;
    const { spec } = artifact;
    const pin = artifact.state === "ready" ? artifact.sha256 : undefined;
    const hash = pin ?? UNPINNED;
    const lockFile = artifact.lockFile ?? LOCK_FILE;
    const path = escapeTemplate(artifact.path ?? artifact.terraformPath);

    // A precondition must refer to something in the configuration: the zip's path and pin, as a local.
    const zip = new TerraformLocal(this, "ZipPin", {
      path: escapeTemplate(artifact.terraformPath),
      sha256: hash,
    });
    zip.overrideLogicalId(`connector_zip_${spec.id.replaceAll("-", "_")}`);
    const local = `local.${zip.friendlyUniqueId}`;
    const precondition = pin
      ? [
          {
            // try(): fileexists fails on a folder.
            condition: `\${try(fileexists(${local}.path), false)}`,
            errorMessage: missingZipMessage(path),
          },
          {
            // A missing zip is the check above's: try() keeps filesha256 from failing on it too.
            condition: `\${try(filesha256(${local}.path), ${local}.sha256) == ${local}.sha256}`,
            errorMessage: differentZipMessage(
              path,
              spec.file,
              pin,
              escapeTemplate(lockFile),
              `\${try(filesha256(${local}.path), "unreadable")}`,
            ),
          },
        ]
      : [
          {
            condition: `\${${local}.sha256 != "${UNPINNED}"}`,
            errorMessage: `the sha256 of ${spec.file} is not recorded in ${escapeTemplate(lockFile)} yet: run ${FETCH_COMMAND} on a machine that reaches the vendors' sites, review the lock file's diff and commit it, then synthesize again`,
          },
        ];

    this.object = new S3Object(this, "Zip", {
      bucket: props.bucket.name,
      key: `plugins/${spec.id}/${hash}.zip`,
      source: escapeTemplate(artifact.terraformPath),
      sourceHash: hash,
      contentType: "application/zip",
      lifecycle: { precondition },
    });
    this.plugin = new MskconnectCustomPlugin(this, "Resource", {
      name: props.name(hash.slice(0, 8)),
      description: `${escapeTemplate(spec.description)} (sha256 ${pin ?? "not recorded yet"})`,
      contentType: "ZIP",
      location: { s3: { bucketArn: props.bucket.arn, fileKey: this.object.key } },
    });
  }
}

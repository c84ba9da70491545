import { MskconnectCustomPlugin } from "@cdktf/provider-aws/lib/mskconnect-custom-plugin";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { Construct } from "constructs";
import type { PluginArtifact } from "../../plugins/inspect-plugin";
import type { PrivateBucket } from "../storage/private-bucket";

export interface ConnectorPluginProps {
  /** The plugin's name for the first 8 hex digits of its zip's sha256. */
  readonly name: (zipHash: string) => string;
  readonly artifact: Extract<PluginArtifact, { state: "ready" }>;
  readonly bucket: PrivateBucket;
}

/**
 * A custom plugin from a connector zip: the zip goes to S3 under a key holding its sha256, and the plugin
 * is named from the same hash. MSK Connect plugins are immutable (terraform-provider-aws #22481), so a new
 * zip makes a new plugin (and a new connector) instead of an update that cannot happen.
 */
export class ConnectorPlugin extends Construct {
  readonly plugin: MskconnectCustomPlugin;
  readonly object: S3Object;

  constructor(scope: Construct, id: string, props: ConnectorPluginProps) {
    super(scope, id);
    const { artifact } = props;
    const shortHash = artifact.sha256.slice(0, 8);
    this.object = new S3Object(this, "Zip", {
      bucket: props.bucket.name,
      key: `plugins/${artifact.spec.id}/${artifact.sha256}.zip`,
      source: artifact.terraformPath,
      sourceHash: artifact.sha256,
      contentType: "application/zip",
    });
    this.plugin = new MskconnectCustomPlugin(this, "Resource", {
      name: props.name(shortHash),
      description: `${artifact.spec.description} (sha256 ${artifact.sha256})`,
      contentType: "ZIP",
      location: { s3: { bucketArn: props.bucket.arn, fileKey: this.object.key } },
    });
  }
}

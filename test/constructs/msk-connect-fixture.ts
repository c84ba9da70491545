import { Testing } from "cdktf";
import type { Construct } from "constructs";
import { ConnectorPlugin } from "../../src/constructs/msk-connect/connector-plugin";
import { KafkaClusterArns } from "../../src/constructs/msk-connect/kafka-cluster-arns";
import type { MskConnectorProps } from "../../src/constructs/msk-connect/msk-connector";
import { PrivateBucket } from "../../src/constructs/storage/private-bucket";

export const CLUSTER_ARN =
  "arn:aws:kafka:eu-west-1:123456789012:cluster/demo-msk/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab-2";

/** What both connector constructs take besides their own settings, in a test scope. */
export function connectorProps(scope: Construct, kind: string): MskConnectorProps {
  const bucket = new PrivateBucket(scope, "PluginBucket", {
    bucketPrefix: "t-plugins-",
    forceDestroy: false,
  });
  const plugin = new ConnectorPlugin(scope, "Plugin", {
    name: (hash) => `t-${kind}-plugin-${hash}`,
    bucket,
    artifact: {
      state: "ready",
      terraformPath: "../../../connectors/plugin.zip",
      sha256: "ab".repeat(32),
      spec: {
        id: kind,
        description: `${kind} plugin`,
        file: "plugin.zip",
        connectorClass: "x.Y",
        sources: [
          { file: "plugin.zip", url: "https://example.test/p.zip", jar: { name: "p", version: "1" } },
        ],
      },
    },
  });
  return {
    connectorName: `t-${kind}`,
    roleName: `t-${kind}-role`,
    workerConfigurationName: (hash) => `t-${kind}-worker-${hash}`,
    logGroupName: `/t/${kind}`,
    logRetentionDays: 30,
    kafka: new KafkaClusterArns(CLUSTER_ARN),
    placement: {
      bootstrapServers: "b-1.example:9098",
      subnetIds: ["subnet-1", "subnet-2"],
      securityGroupIds: ["sg-1"],
    },
    plugin,
  };
}

/** The construct alone in a test stack, as Terraform JSON. */
export function synthConstruct(build: (scope: Construct) => void): Record<string, any> {
  return JSON.parse(Testing.synthScope(build));
}

/** The only block of `type` (resource or data), failing loudly otherwise. */
export function only(json: Record<string, any>, type: string, kind: "resource" | "data" = "resource") {
  const all = Object.values<Record<string, any>>(json[kind]?.[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${kind} ${type}, found ${all.length}`);
  return all[0] as Record<string, any>;
}

/** The statements of the policy document at construct path `path` below the construct (e.g. `Role/TrustPolicy`). */
export function statements(json: Record<string, any>, path: string): Record<string, any>[] {
  // synthScope writes no construct paths; logical ids are the path joined by "_" plus a hash.
  const prefix = `${path.replaceAll("/", "_")}_`;
  const docs = Object.entries<Record<string, any>>(json.data.aws_iam_policy_document).filter(([id]) =>
    id.includes(prefix),
  );
  if (docs.length !== 1) throw new Error(`expected one policy document ${path}, found ${docs.length}`);
  return (docs[0] as [string, Record<string, any>])[1].statement;
}

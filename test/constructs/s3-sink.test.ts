import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { S3Sink } from "../../src/constructs/msk-connect/s3-sink";
import { connectorProps, only, statements, synthConstruct } from "./msk-connect-fixture";

const BUCKET_ARN = "arn:aws:s3:::t-lake-123";
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1111-2222";

function synth(options: { keyArn?: string; topics?: string[] } = {}) {
  return synthConstruct((scope) => {
    new S3Sink(scope, "S3Sink", {
      ...connectorProps(scope, "s3-sink"),
      jsonSchemas: false,
      topicPrefixes: ["t"],
      bucketArn: BUCKET_ARN,
      bucketKeyArn: options.keyArn,
      capacity: {
        mcuCount: 2,
        minWorkerCount: 1,
        maxWorkerCount: 3,
        scaleInCpuPercent: 25,
        scaleOutCpuPercent: 75,
      },
      settings: {
        topics: options.topics ?? ["t.public.orders", "t.sales.items"],
        bucketName: "t-lake-123",
        region: "eu-west-1",
        flushSize: 500,
        rotateScheduleIntervalMs: 30000,
      },
    });
  });
}

describe("S3Sink (alone in a stack)", () => {
  const json = synth({ keyArn: KEY_ARN });
  const connector = only(json, "aws_mskconnect_connector");

  it("writes the change topics to the bucket as JSON, committing by size or wall-clock time", () => {
    expect(connector.name).toBe("t-s3-sink");
    expect(connector.description).toBe("Confluent S3 sink: 2 topic(s) to the data lake as JSON");
    expect(connector.connector_configuration).toMatchObject({
      "connector.class": "io.confluent.connect.s3.S3SinkConnector",
      topics: "t.public.orders,t.sales.items",
      "s3.bucket.name": "t-lake-123",
      "s3.region": "eu-west-1",
      "topics.dir": "cdc",
      "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
      "flush.size": "500",
      "rotate.schedule.interval.ms": "30000",
      "behavior.on.null.values": "ignore",
    });
    expect(connector.kafka_cluster_client_authentication).toEqual({ authentication_type: "IAM" });
    expect(connector.kafka_cluster_encryption_in_transit).toEqual({ encryption_type: "TLS" });
  });

  it("autoscales with the given capacity", () => {
    expect(connector.capacity).toEqual({
      autoscaling: {
        mcu_count: 2,
        min_worker_count: 1,
        max_worker_count: 3,
        scale_in_policy: { cpu_utilization_percentage: 25 },
        scale_out_policy: { cpu_utilization_percentage: 75 },
      },
    });
  });

  it("starts after its role's policy, and after what it is given (the source)", () => {
    const policy = Object.keys(json.resource.aws_iam_role_policy);
    expect(connector.depends_on).toEqual([`aws_iam_role_policy.${policy[0]}`]);
    const after = synthConstruct((scope) => {
      const props = connectorProps(scope, "s3-sink");
      new S3Sink(scope, "S3Sink", {
        ...props,
        jsonSchemas: false,
        topicPrefixes: ["t"],
        bucketArn: BUCKET_ARN,
        capacity: {
          mcuCount: 1,
          minWorkerCount: 1,
          maxWorkerCount: 2,
          scaleInCpuPercent: 20,
          scaleOutCpuPercent: 80,
        },
        settings: {
          topics: ["t.a"],
          bucketName: "b",
          region: "eu-west-1",
          flushSize: 1,
          rotateScheduleIntervalMs: 10000,
        },
        after: [props.plugin.plugin],
      });
    });
    const connectorAfter = only(after, "aws_mskconnect_connector");
    expect(connectorAfter.depends_on).toEqual([
      `aws_iam_role_policy.${Object.keys(after.resource.aws_iam_role_policy)[0]}`,
      `aws_mskconnect_custom_plugin.${Object.keys(after.resource.aws_mskconnect_custom_plugin)[0]}`,
    ]);
  });

  it("owns a worker configuration that flushes offsets every 10 s, named from its content", () => {
    const worker = only(json, "aws_mskconnect_worker_configuration");
    expect(worker.properties_file_content).toContain("offset.flush.interval.ms=10000\n");
    expect(worker.properties_file_content).not.toContain("config.providers");
    // kafka.t3.small brokers accept 4 new IAM connections per second: back off on reconnects.
    const lines = (worker.properties_file_content as string).split("\n");
    for (const prefix of ["", "producer.", "consumer."]) {
      expect(lines).toContain(`${prefix}reconnect.backoff.ms=1000`);
      expect(lines).toContain(`${prefix}reconnect.backoff.max.ms=10000`);
    }
    const hash = createHash("sha256").update(worker.properties_file_content).digest("hex").slice(0, 8);
    expect(worker.name).toBe(`t-s3-sink-worker-${hash}`);
  });

  it("may read the change topics, use its consumer group, and write below the topics prefix only", () => {
    const bySid = Object.fromEntries(statements(json, "Role/PermissionsPolicy").map((s) => [s.sid, s]));
    expect(Object.keys(bySid)).toEqual([
      "Cluster",
      "ConnectInternalTopics",
      "ConnectGroups",
      "ChangeTopics",
      "LakeBucket",
      "LakeObjects",
      "LakeKey",
    ]);
    expect(bySid.ConnectGroups.resources.map((r: string) => r.split("/").pop())).toEqual([
      "__amazon_msk_connect_*",
      "connect-t-s3-sink",
    ]);
    expect(bySid.ChangeTopics.actions).toEqual(["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]);
    // The source's topics by their prefix: one ARN however many tables.
    expect(bySid.ChangeTopics.resources).toHaveLength(1);
    expect(bySid.ChangeTopics.resources[0]).toMatch(/:topic\/"\)\}\/t\.\*$/);
    expect(bySid.LakeBucket.resources).toEqual([BUCKET_ARN]);
    expect(bySid.LakeObjects.resources).toEqual([`${BUCKET_ARN}/cdc/*`]);
    expect(bySid.LakeKey).toMatchObject({
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      resources: [KEY_ARN],
      condition: [
        { test: "StringEquals", variable: "kms:ViaService", values: ["s3.eu-west-1.amazonaws.com"] },
      ],
    });
  });

  it("fails if a topic is outside the topic prefix its role may read", () => {
    expect(() => synth({ topics: ["t.public.orders", "other.public.orders", "t-x.public.a"] })).toThrow(
      'S3 sink t-s3-sink: got topics other.public.orders, t-x.public.a; expected topics below the topic prefixes "t." (its role may read only those)',
    );
  });

  it("asks for no key permission when the bucket has no KMS key of the pipeline", () => {
    const sids = statements(synth(), "Role/PermissionsPolicy").map((s) => s.sid);
    expect(sids).not.toContain("LakeKey");
  });

  it("owns its worker log group, with retention", () => {
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/t/s3-sink",
      retention_in_days: 30,
    });
  });
});

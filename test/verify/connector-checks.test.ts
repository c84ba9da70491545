import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeConnectorCommand, KafkaConnectClient } from "@aws-sdk/client-kafkaconnect";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { type ConnectorTarget, checkConnectors, LOG_LOOKBACK_MS } from "../../src/verify/connector-checks";

const kafkaConnect = mockClient(KafkaConnectClient);
const logs = mockClient(CloudWatchLogsClient);
afterEach(() => {
  kafkaConnect.reset();
  logs.reset();
});

const NOW = Date.parse("2026-03-01T12:00:00Z");
const ARN = "arn:aws:kafkaconnect:us-east-1:123456789012:connector/cdc-lake-demo-debezium-source/abc";
const DEBEZIUM: ConnectorTarget = {
  kind: "debezium-source",
  name: "cdc-lake-demo-debezium-source",
  source: "managed",
  arn: ARN,
  logGroup: "/cdc-lake/demo/msk-connect/debezium-source",
};
const SINK: ConnectorTarget = {
  kind: "s3-sink",
  name: "cdc-lake-demo-s3-sink",
  arn: "arn:aws:kafkaconnect:us-east-1:123456789012:connector/cdc-lake-demo-s3-sink/def",
  logGroup: "/cdc-lake/demo/msk-connect/s3-sink",
};
const clients = () => ({
  kafkaConnect: new KafkaConnectClient({ region: "us-east-1" }),
  logs: new CloudWatchLogsClient({ region: "us-east-1" }),
});
const check = (targets: ConnectorTarget[]) =>
  checkConnectors(targets, clients(), { connectorsStack: "demo-connectors", now: () => NOW });

/** A failed connector whose log group has these ERROR lines, oldest first. */
function failedWith(lines: string[], state = "FAILED") {
  kafkaConnect.on(DescribeConnectorCommand).resolves({ connectorState: state as "FAILED" });
  logs.on(FilterLogEventsCommand).resolves({
    // Newest first, as startFromHead: false returns them.
    events: lines.map((message, i) => ({ message, timestamp: NOW - 1000 * (i + 1) })),
  });
}

const REPLACE = (arn: string) =>
  `; a FAILED connector does not recover by itself: after the fix, delete it (aws kafkaconnect delete-connector --connector-arn ${arn}) ` +
  "and apply the connectors stack (npm run deploy -- apply demo-connectors), which creates it again";

describe("connectors: connector-state", () => {
  it("passes for a RUNNING connector, and reads no logs", async () => {
    kafkaConnect.on(DescribeConnectorCommand, { connectorArn: ARN }).resolves({ connectorState: "RUNNING" });
    const [r] = await check([DEBEZIUM]);
    expect(r).toEqual({
      stage: "connectors",
      check: "connector-state",
      verdict: "pass",
      detail: "debezium-source cdc-lake-demo-debezium-source RUNNING",
      source: "managed",
      data: { state: "RUNNING" },
    });
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
  });

  it("fails for a FAILED connector with its newest ERROR lines and the credentials fix", async () => {
    failedWith([
      '[Worker-1] ERROR Postgres connection failed: FATAL: password authentication failed for user "cdc_lake_demo_cdc"',
      "[Worker-1] ERROR WorkerSourceTask{id=cdc-lake-demo-debezium-source-0} Task threw an uncaught and unrecoverable exception",
    ]);
    const [r] = await check([DEBEZIUM]);
    expect(r?.verdict).toBe("fail");
    expect(r?.detail).toBe(
      "debezium-source cdc-lake-demo-debezium-source is FAILED; newest ERROR lines of /cdc-lake/demo/msk-connect/debezium-source:\n" +
        '    [Worker-1] ERROR Postgres connection failed: FATAL: password authentication failed for user "cdc_lake_demo_cdc"\n' +
        "    [Worker-1] ERROR WorkerSourceTask{id=cdc-lake-demo-debezium-source-0} Task threw an uncaught and unrecoverable exception",
    );
    expect(r?.fix).toBe(
      `credentials: the CDC secret does not match the role's password: re-apply the database stack (a new capture.cdcPasswordVersion rotates it)${REPLACE(ARN)}`,
    );
    // The newest ERROR lines of the last hour: newest first, capped.
    const [call] = logs.commandCalls(FilterLogEventsCommand);
    expect(call?.args[0].input).toEqual({
      logGroupName: "/cdc-lake/demo/msk-connect/debezium-source",
      filterPattern: '"ERROR"',
      startTime: NOW - LOG_LOOKBACK_MS,
      endTime: NOW,
      startFromHead: false,
      limit: 5,
      nextToken: undefined,
    });
  });

  it("fails with the plugin fix when the worker finds no connector class", async () => {
    failedWith([
      "ERROR Failed to find any class that implements Connector and which name matches io.debezium.connector.postgresql.PostgresConnector",
    ]);
    const [r] = await check([DEBEZIUM]);
    expect(r?.fix).toBe(
      `plugin: the custom plugin must be the connector's whole zip, not one jar: npm run connectors:fetch, then apply the connectors stack${REPLACE(ARN)}`,
    );
  });

  it("fails with the network fix, naming S3 for the sink", async () => {
    kafkaConnect.on(DescribeConnectorCommand).resolves({ connectorState: "FAILED" });
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        {
          message:
            "ERROR Unable to execute HTTP request: Connect to s3.us-east-1.amazonaws.com:443 failed: connect timed out",
          timestamp: NOW,
        },
      ],
    });
    const [r] = await check([SINK]);
    expect(r?.fix).toBe(
      `network: the workers cannot reach S3 (a gateway endpoint or NAT) or the MSK brokers${REPLACE(SINK.arn ?? "")}`,
    );
    expect(r?.source).toBeUndefined();
  });

  it("fails with the secret-access fix when the config provider is refused", async () => {
    failedWith(["ERROR Failed to get secret from Secrets Manager: AccessDeniedException"]);
    const [r] = await check([DEBEZIUM]);
    expect(r?.fix).toBe(
      `secret access: the connector's role needs secretsmanager:GetSecretValue on its secret, and the workers a VPC endpoint or NAT route to Secrets Manager${REPLACE(ARN)}`,
    );
  });

  it("fails with the state's message and no log lines, saying none were found", async () => {
    kafkaConnect.on(DescribeConnectorCommand).resolves({
      connectorState: "FAILED",
      stateDescription: { code: "UnknownError", message: "The last operation failed.\nRetry it." },
    });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const [r] = await check([DEBEZIUM]);
    expect(r?.detail).toBe(
      "debezium-source cdc-lake-demo-debezium-source is FAILED (The last operation failed. Retry it.); no ERROR lines in /cdc-lake/demo/msk-connect/debezium-source in the last 60 min",
    );
    expect(r?.fix).toBe(`read /cdc-lake/demo/msk-connect/debezium-source for the cause${REPLACE(ARN)}`);
  });

  it("fails for a CREATING connector, telling to wait", async () => {
    failedWith([], "CREATING");
    const [r] = await check([DEBEZIUM]);
    expect(r?.verdict).toBe("fail");
    expect(r?.fix).toBe("wait until it is RUNNING (CREATING takes minutes), then run verify again");
  });

  it("fails naming the missing log group", async () => {
    kafkaConnect.on(DescribeConnectorCommand).resolves({ connectorState: "FAILED" });
    logs.on(FilterLogEventsCommand).rejects(
      Object.assign(new Error("The specified log group does not exist."), {
        name: "ResourceNotFoundException",
      }),
    );
    const [r] = await check([DEBEZIUM]);
    expect(r?.detail).toBe(
      "debezium-source cdc-lake-demo-debezium-source is FAILED (no log group /cdc-lake/demo/msk-connect/debezium-source)",
    );
  });

  it("caps the lines at 5 and cuts each to one bounded line", async () => {
    failedWith(Array.from({ length: 9 }, (_, i) => `ERROR line ${i} ${"x".repeat(400)}`));
    const [r] = await check([DEBEZIUM]);
    const lines = (r?.detail ?? "").split("\n").slice(1);
    expect(lines).toHaveLength(5);
    expect(lines[0]?.trim().startsWith("ERROR line 0 ")).toBe(true);
    expect(lines.every((l) => l.trim().length === 300 && l.endsWith("…"))).toBe(true);
  });

  it("fails for a connector that no longer exists", async () => {
    kafkaConnect
      .on(DescribeConnectorCommand)
      .rejects(Object.assign(new Error("Connector not found"), { name: "NotFoundException" }));
    const [r] = await check([DEBEZIUM]);
    expect(r?.detail).toBe(
      `debezium-source cdc-lake-demo-debezium-source: no connector ${ARN} (deleted, or another account or region)`,
    );
    expect(r?.fix).toBe(
      "apply the connectors stack (npm run deploy -- apply demo-connectors), which re-creates it",
    );
  });

  it("fails with the IAM fix when DescribeConnector is refused", async () => {
    kafkaConnect
      .on(DescribeConnectorCommand)
      .rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }));
    const [r] = await check([DEBEZIUM]);
    expect(r?.detail).toBe(
      "debezium-source cdc-lake-demo-debezium-source: DescribeConnector failed (AccessDeniedException: User is not authorized)",
    );
    expect(r?.fix).toBe("grant kafkaconnect:DescribeConnector to the AWS credentials verify runs with");
  });

  it("fails for a connector the outputs have no ARN for", async () => {
    const [r] = await check([{ ...DEBEZIUM, arn: undefined }]);
    expect(r?.detail).toBe(
      "debezium-source cdc-lake-demo-debezium-source: no ARN in demo-connectors's outputs",
    );
    expect(r?.fix).toBe("apply the connectors stack (npm run deploy -- apply demo-connectors)");
    expect(kafkaConnect.commandCalls(DescribeConnectorCommand)).toHaveLength(0);
  });
});

/**
 * Stage "connectors": each MSK Connect connector's state (DescribeConnector). One that is not RUNNING fails,
 * with the newest ERROR lines of its CloudWatch log group (FilterLogEvents, newest first, capped) and a fix
 * chosen from what those lines say (credentials, network, plugin, secret access).
 * @see https://docs.aws.amazon.com/MSKC/latest/mskc/API_DescribeConnector.html
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
 */
import { type CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeConnectorCommand, type KafkaConnectClient } from "@aws-sdk/client-kafkaconnect";
import { awsErrorName, awsErrorText, isAccessDenied } from "./aws-error";
import { type CheckResult, result } from "./check";

/** A connector of the pipeline, as the connectors stack names and outputs it. */
export interface ConnectorTarget {
  /** `debezium-source` or `s3-sink`. */
  readonly kind: string;
  /** The MSK Connect connector's name (naming.connector). */
  readonly name: string;
  /** The source it reads (Debezium's), for the result. */
  readonly source?: string | undefined;
  /** From the connectors stack's outputs; undefined when they have none for it. */
  readonly arn?: string | undefined;
  /** Its log group (naming.connectorLogGroup). */
  readonly logGroup: string;
}

export interface ConnectorClients {
  readonly kafkaConnect: KafkaConnectClient;
  readonly logs: CloudWatchLogsClient;
}

/** How far back the ERROR lines are looked for, and how many are shown. */
export const LOG_LOOKBACK_MS = 60 * 60 * 1000;
export const MAX_ERROR_LINES = 5;
const MAX_LINE_CHARS = 300;
/** FilterLogEvents may return empty pages while it searches: give up after this many. */
const MAX_LOG_PAGES = 5;

export async function checkConnectors(
  connectors: readonly ConnectorTarget[],
  clients: ConnectorClients,
  options: { connectorsStack: string; now?: () => number } = { connectorsStack: "the connectors stack" },
): Promise<CheckResult[]> {
  const now = options.now ?? Date.now;
  const results: CheckResult[] = [];
  for (const connector of connectors) {
    const extra = { source: connector.source };
    const fail = (detail: string, fix: string, data?: Record<string, unknown>) =>
      result("connectors", "connector-state", "fail", detail, { ...extra, fix, ...(data ? { data } : {}) });
    if (!connector.arn) {
      results.push(
        fail(
          `${connector.kind} ${connector.name}: no ARN in ${options.connectorsStack}'s outputs`,
          `apply the connectors stack (npm run deploy -- apply ${options.connectorsStack})`,
        ),
      );
      continue;
    }
    let state: string;
    let stateMessage: string | undefined;
    try {
      const described = await clients.kafkaConnect.send(
        new DescribeConnectorCommand({ connectorArn: connector.arn }),
      );
      state = described.connectorState ?? "UNKNOWN";
      stateMessage = described.stateDescription?.message;
    } catch (error) {
      const notFound = awsErrorName(error) === "NotFoundException";
      results.push(
        fail(
          notFound
            ? `${connector.kind} ${connector.name}: no connector ${connector.arn} (deleted, or another account or region)`
            : `${connector.kind} ${connector.name}: DescribeConnector failed (${awsErrorText(error)})`,
          notFound
            ? `apply the connectors stack (npm run deploy -- apply ${options.connectorsStack}), which re-creates it`
            : isAccessDenied(error)
              ? "grant kafkaconnect:DescribeConnector to the AWS credentials verify runs with"
              : "check the AWS credentials and region verify runs with (AWS_REGION, AWS_ENDPOINT_URL_KAFKACONNECT)",
        ),
      );
      continue;
    }
    if (state === "RUNNING") {
      results.push(
        result("connectors", "connector-state", "pass", `${connector.kind} ${connector.name} RUNNING`, {
          ...extra,
          data: { state },
        }),
      );
      continue;
    }
    const logs = await lastErrorLines(clients.logs, connector.logGroup, now());
    const lines = logs.lines.map((line) => `\n    ${line}`).join("");
    const seen = logs.problem
      ? ` (${logs.problem})`
      : logs.lines.length === 0
        ? `; no ERROR lines in ${connector.logGroup} in the last ${LOG_LOOKBACK_MS / 60_000} min`
        : `; newest ERROR lines of ${connector.logGroup}:${lines}`;
    results.push(
      fail(
        `${connector.kind} ${connector.name} is ${state}${stateMessage ? ` (${oneLine(stateMessage)})` : ""}${seen}`,
        fixFor(state, [stateMessage ?? "", ...logs.lines].join("\n"), connector, options.connectorsStack),
        { state, errorLines: logs.lines },
      ),
    );
  }
  return results;
}

/** The newest ERROR lines of a log group, newest first, each cut to one bounded line. */
async function lastErrorLines(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  now: number,
): Promise<{ lines: string[]; problem?: string }> {
  const lines: string[] = [];
  let nextToken: string | undefined;
  try {
    for (let page = 0; page < MAX_LOG_PAGES && lines.length < MAX_ERROR_LINES; page++) {
      const response = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          // A quoted term: Kafka Connect's log lines carry the level as the word ERROR.
          filterPattern: '"ERROR"',
          startTime: now - LOG_LOOKBACK_MS,
          endTime: now,
          // Newest first (supported for a startTime after 2024-01-01), so one page holds the last errors.
          startFromHead: false,
          limit: MAX_ERROR_LINES,
          nextToken,
        }),
      );
      // Ordered by time here too: a page's order is not promised across streams.
      const events = [...(response.events ?? [])].sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
      for (const event of events) {
        if (lines.length < MAX_ERROR_LINES && event.message) lines.push(oneLine(event.message));
      }
      nextToken = response.nextToken;
      if (!nextToken) break;
    }
  } catch (error) {
    const problem =
      awsErrorName(error) === "ResourceNotFoundException"
        ? `no log group ${logGroupName}`
        : `its log group ${logGroupName} could not be read: ${awsErrorText(error)}`;
    return { lines, problem };
  }
  return { lines };
}

/** A fix from what the state and the error lines say, most specific first. */
function fixFor(state: string, text: string, connector: ConnectorTarget, connectorsStack: string): string {
  if (state === "CREATING" || state === "UPDATING" || state === "RESTARTING" || state === "RESUMING") {
    return `wait until it is RUNNING (${state} takes minutes), then run verify again`;
  }
  if (state === "PAUSED" || state === "PAUSING") {
    return "resume it (aws kafkaconnect resume-connector), then run verify again";
  }
  // MSK Connect has no restart for a FAILED connector: it is deleted and created again.
  const replace =
    "; a FAILED connector does not recover by itself: after the fix, delete it " +
    `(aws kafkaconnect delete-connector --connector-arn ${connector.arn}) and apply the connectors stack ` +
    `(npm run deploy -- apply ${connectorsStack}), which creates it again`;
  if (/password authentication failed|authentication failed for user|FATAL:\s+password/i.test(text)) {
    return `credentials: the CDC secret does not match the role's password: re-apply the database stack (a new capture.cdcPasswordVersion rotates it)${replace}`;
  }
  if (
    /Failed to find any class that implements Connector|ClassNotFoundException|NoClassDefFoundError/i.test(
      text,
    )
  ) {
    return `plugin: the custom plugin must be the connector's whole zip, not one jar: npm run connectors:fetch, then apply the connectors stack${replace}`;
  }
  if (/secretsmanager|Secrets Manager|ConfigProvider|AccessDenied|not authorized/i.test(text)) {
    return `secret access: the connector's role needs secretsmanager:GetSecretValue on its secret, and the workers a VPC endpoint or NAT route to Secrets Manager${replace}`;
  }
  if (
    /Connection refused|timed out|UnknownHostException|No route to host|Connection attempt|TimeoutException|Network is unreachable/i.test(
      text,
    )
  ) {
    const target =
      connector.kind === "debezium-source"
        ? "PostgreSQL (the database's security group must admit the connectors' group or CIDR, connectorsReach)"
        : "S3 (a gateway endpoint or NAT)";
    return `network: the workers cannot reach ${target} or the MSK brokers${replace}`;
  }
  return `read ${connector.logGroup} for the cause${replace}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
}

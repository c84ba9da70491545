/**
 * A local stand-in for the AWS JSON APIs verify calls, on one HTTP endpoint (AWS_ENDPOINT_URL): MSK Connect's
 * DescribeConnector (REST JSON, `GET /v1/connectors/{connectorArn}`), CloudWatch Logs' FilterLogEvents,
 * Secrets Manager's GetSecretValue and Athena's StartQueryExecution, GetQueryExecution, GetQueryResults and
 * StopQueryExecution (JSON 1.1, told apart by X-Amz-Target). Signatures are not checked. Athena's queries
 * are answered by `state.athena`, which a test sets (test/verify/athena-on-duckdb.ts runs them on DuckDB).
 * @see https://docs.aws.amazon.com/MSKC/latest/mskc/API_DescribeConnector.html
 * @see https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface AwsState {
  /** Connector ARN → state. */
  readonly connectors: Map<string, string>;
  /** Log group → messages, newest first. */
  readonly logs: Map<string, string[]>;
  /** Secret ARN → SecretString. */
  readonly secrets: Map<string, string>;
  /** Athena: runs a query (its text, workgroup, database); rows with the column names first, or an error. */
  athena?: AthenaResponder | undefined;
}

export type AthenaResponder = (query: {
  readonly sql: string;
  readonly workgroup: string;
  readonly database: string;
}) => Promise<{ readonly rows: string[][]; readonly scannedBytes: number } | { readonly error: string }>;

export interface AwsStandIn {
  readonly endpoint: string;
  readonly state: AwsState;
  /** Calls served: `DescribeConnector <arn>`, `FilterLogEvents <group>`, `GetSecretValue <id>`. */
  readonly calls: string[];
  close(): Promise<void>;
}

export async function startAws(): Promise<AwsStandIn> {
  const state: AwsState = { connectors: new Map(), logs: new Map(), secrets: new Map() };
  const calls: string[] = [];
  const queries = new Map<string, Promise<{ rows: string[][]; scannedBytes: number } | { error: string }>>();
  const finished = new Map<string, { rows: string[][]; scannedBytes: number } | { error: string }>();
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(JSON.stringify(data));
    };
    const url = new URL(req.url ?? "/", "http://stand-in");
    const connector = /^\/v1\/connectors\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && connector?.[1]) {
      const arn = decodeURIComponent(connector[1]);
      calls.push(`DescribeConnector ${arn}`);
      const connectorState = state.connectors.get(arn);
      if (!connectorState) {
        return send(404, { message: "Connector not found" }, { "x-amzn-ErrorType": "NotFoundException" });
      }
      return send(200, { connectorArn: arn, connectorName: arn.split("/")[1], connectorState });
    }
    const target = String(req.headers["x-amz-target"] ?? "");
    const input = body ? JSON.parse(body) : {};
    if (target === "Logs_20140328.FilterLogEvents") {
      calls.push(`FilterLogEvents ${input.logGroupName}`);
      const messages = state.logs.get(input.logGroupName);
      if (!messages) {
        return send(400, {
          __type: "ResourceNotFoundException",
          message: "The specified log group does not exist.",
        });
      }
      const now = Date.now();
      return send(200, {
        events: messages
          .slice(0, input.limit ?? 10_000)
          .map((message, i) => ({ message, timestamp: now - i * 1000 })),
      });
    }
    if (target === "secretsmanager.GetSecretValue") {
      calls.push(`GetSecretValue ${input.SecretId}`);
      const secret = state.secrets.get(input.SecretId);
      if (secret === undefined) {
        return send(400, {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      return send(200, { ARN: input.SecretId, Name: input.SecretId, SecretString: secret, VersionId: "v1" });
    }
    if (target === "AmazonAthena.StartQueryExecution") {
      calls.push(`StartQueryExecution ${input.WorkGroup} ${input.QueryExecutionContext?.Database}`);
      const responder = state.athena;
      if (!responder)
        return send(400, { __type: "InvalidRequestException", message: "the stand-in has no Athena" });
      const id = `q-${queries.size + 1}`;
      const run = responder({
        sql: input.QueryString,
        workgroup: input.WorkGroup,
        database: input.QueryExecutionContext?.Database,
      }).catch((error: unknown) => ({ error: String(error) }));
      queries.set(id, run);
      void run.then((r) => finished.set(id, r));
      return send(200, { QueryExecutionId: id });
    }
    if (target === "AmazonAthena.GetQueryExecution") {
      calls.push(`GetQueryExecution ${input.QueryExecutionId}`);
      if (!queries.has(input.QueryExecutionId))
        return send(400, { __type: "InvalidRequestException", message: "QueryExecution not found" });
      const done = finished.get(input.QueryExecutionId);
      const Status = !done
        ? { State: "RUNNING" }
        : "error" in done
          ? { State: "FAILED", AthenaError: { ErrorCategory: 2, ErrorMessage: done.error } }
          : { State: "SUCCEEDED" };
      return send(200, {
        QueryExecution: {
          QueryExecutionId: input.QueryExecutionId,
          Status,
          Statistics: { DataScannedInBytes: done && !("error" in done) ? done.scannedBytes : 0 },
        },
      });
    }
    if (target === "AmazonAthena.GetQueryResults") {
      calls.push(`GetQueryResults ${input.QueryExecutionId}`);
      const done = finished.get(input.QueryExecutionId);
      if (!done || "error" in done)
        return send(400, { __type: "InvalidRequestException", message: "Query has not yet finished" });
      return send(200, {
        ResultSet: { Rows: done.rows.map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) })) },
      });
    }
    if (target === "AmazonAthena.StopQueryExecution") {
      calls.push(`StopQueryExecution ${input.QueryExecutionId}`);
      return send(200, {});
    }
    send(400, {
      __type: "UnknownOperationException",
      message: `the stand-in does not serve ${req.method} ${url.pathname} ${target}`,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

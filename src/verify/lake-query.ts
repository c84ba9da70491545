/**
 * Stage "end-to-end", last step: the canary that reached S3 (canary-arrival.ts) read back through the lake's
 * catalog with Athena, in the pipeline's workgroup: its table's changes view, filtered on the canary object's
 * folder and on the token. What only a deployed lake can show is exercised here: the Glue table's location and
 * partition projection against the sink's folders, the JSON SerDe against the sink's lines, the view's SQL
 * against Athena's engine, and the workgroup's results location and key.
 * @see https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
 * @see https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html (the first row of a
 *   SELECT's results is its column names)
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { ATHENA_CATALOG, canaryQuerySql } from "../sql/lake-views";
import { quoteIdent } from "../sql/quote";
import { awsErrorText, isAccessDenied } from "./aws-error";
import { formatMs } from "./canary-arrival";
import { type CheckResult, result } from "./check";
import { formatBytes } from "./source-checks";

export const DEFAULT_QUERY_POLL_MS = 1_000;

export interface CanaryQueryOptions {
  readonly athena: AthenaClient;
  /** The lake's Glue database (connectors output `lake_database`). */
  readonly database: string;
  /** The workgroup (connectors output `athena_workgroup`): it enforces the results location and the scan cap. */
  readonly workgroup: string;
  /** The canary table's changes view (Naming.lakeView). */
  readonly view: string;
  /** The key of the object that held the canary: `cdc/<topic>/year=…/month=…/day=…/hour=…/<file>`. */
  readonly objectKey: string;
  readonly token: string;
  readonly source?: string | undefined;
  /** How long the query may take, queueing included. */
  readonly timeoutMs: number;
  readonly pollMs?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** The `<key>=<value>` folders of an object's key, in order: `year=2026/month=12/…/file` → [["year","2026"]…]. */
export function folderOf(objectKey: string): [string, string][] {
  return objectKey
    .split("/")
    .slice(0, -1)
    .flatMap((part) => {
      const at = part.indexOf("=");
      return at > 0 ? [[part.slice(0, at), part.slice(at + 1)] as [string, string]] : [];
    });
}

export async function queryCanary(o: CanaryQueryOptions): Promise<CheckResult> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const view = `${o.database}.${o.view}`;
  const extra = { source: o.source };
  const fail = (detail: string, fix: string, data: Record<string, unknown> = {}) =>
    result("end-to-end", "canary-query", "fail", detail, { ...extra, fix, data });
  const sql = canaryQuerySql(
    {
      relation: `${quoteIdent(o.database)}.${quoteIdent(o.view)}`,
      folder: folderOf(o.objectKey),
      token: o.token,
    },
    "athena",
  );
  const started = now();
  let id: string | undefined;
  try {
    const start = await o.athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: o.workgroup,
        QueryExecutionContext: { Catalog: ATHENA_CATALOG, Database: o.database },
      }),
    );
    id = start.QueryExecutionId;
  } catch (error) {
    return fail(
      `canary ${o.token}: Athena did not start the query on ${view} in workgroup ${o.workgroup} (${awsErrorText(error)})`,
      isAccessDenied(error)
        ? "the credentials need athena:StartQueryExecution, GetQueryExecution and GetQueryResults on the workgroup, glue:GetDatabase and GetTable on the lake's catalog, s3:GetObject and ListBucket on the lake, s3:PutObject on its athena-results/ and kms:Decrypt and GenerateDataKey on its key: attach the connectors stack's lake_analyst_policy_arn"
        : `check that the connectors stack is applied (its outputs athena_workgroup ${o.workgroup} and lake_database ${o.database})`,
    );
  }
  if (!id) return fail(`canary ${o.token}: Athena returned no query id`, "run verify again");

  let execution: QueryExecution | undefined;
  for (;;) {
    try {
      execution = (await o.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })))
        .QueryExecution;
    } catch (error) {
      return fail(
        `canary ${o.token}: query ${id} on ${view} could not be followed (${awsErrorText(error)})`,
        "run verify again; the credentials need athena:GetQueryExecution on the workgroup",
      );
    }
    const state = execution?.Status?.State;
    if (state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED") break;
    const t = now();
    if (t - started >= o.timeoutMs) {
      try {
        await o.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      } catch {
        // Best effort: the workgroup's own limits end it anyway.
      }
      return fail(
        `canary ${o.token}: query ${id} on ${view} still ${state ?? "unknown"} after ${formatMs(t - started)}; stopped`,
        "Athena was queueing or slow: run verify again; if it persists, see the workgroup's queries in the Athena console",
        { queryExecutionId: id },
      );
    }
    await sleep(Math.min(o.pollMs ?? DEFAULT_QUERY_POLL_MS, Math.max(0, o.timeoutMs - (t - started))));
  }

  const stats = execution?.Statistics;
  const scanned = stats?.DataScannedInBytes;
  const data = {
    queryExecutionId: id,
    dataScannedBytes: scanned,
    engineMs: stats?.EngineExecutionTimeInMillis,
    totalMs: stats?.TotalExecutionTimeInMillis,
  };
  const state = execution?.Status?.State;
  if (state !== "SUCCEEDED") {
    const reason = (
      execution?.Status?.AthenaError?.ErrorMessage ??
      execution?.Status?.StateChangeReason ??
      "no reason given"
    )
      .split("\n", 1)[0]
      ?.slice(0, 300);
    return fail(
      `canary ${o.token}: query ${id} on ${view} ${state ?? "ended"}: ${reason}`,
      fixForFailure(reason ?? "", view),
      data,
    );
  }

  let rows: string[][];
  try {
    const results = await o.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
    rows = (results.ResultSet?.Rows ?? []).map((r) => (r.Data ?? []).map((d) => d.VarCharValue ?? ""));
  } catch (error) {
    return fail(
      `canary ${o.token}: query ${id} on ${view} succeeded but its results were not read (${awsErrorText(error)})`,
      "the credentials need athena:GetQueryResults, s3:GetObject on the workgroup's results location and kms:Decrypt on the lake's key",
      data,
    );
  }
  // The first row holds the column names: operation, event_time, token.
  const found = rows.slice(1).find((r) => r[2] === o.token);
  const folder = folderOf(o.objectKey)
    .map(([k, v]) => `${k}=${v}`)
    .join("/");
  const cost = `${scanned === undefined ? "?" : formatBytes(scanned)} scanned in ${formatMs(now() - started)}`;
  if (!found)
    return fail(
      `canary ${o.token}: in S3 under ${folder}, but ${view} shows no change with its token (${cost})`,
      "the catalog does not read what the sink writes: apply the connectors stack (it rewrites the Glue table and views), then compare the table's storage.location.template with the object's folder",
      data,
    );
  return result(
    "end-to-end",
    "canary-query",
    "pass",
    `canary ${o.token} read back with Athena: ${found[0]} in ${view}, folder ${folder}, workgroup ${o.workgroup} (${cost})`,
    { ...extra, data },
  );
}

/** The fix for a query Athena ran and failed, from its message. */
function fixForFailure(reason: string, view: string): string {
  if (/stale|does not exist|not found|TABLE_NOT_FOUND|SCHEMA_NOT_FOUND/i.test(reason))
    return `the catalog is not as the connectors stack declares it (${view}): apply the connectors stack`;
  if (/bytes scanned|limit/i.test(reason))
    return "the query read more than query.bytesScannedCutoffPerQueryMiB allows: raise it, or check that the table's partition projection prunes (apply the connectors stack)";
  if (/Access Denied|AccessDenied|not authorized|KMS/i.test(reason))
    return "the credentials (or the lake bucket's or key's policy) do not allow the read or the results write: attach the connectors stack's lake_analyst_policy_arn";
  if (/HIVE_BAD_DATA|JSON|SerDe|HIVE_CURSOR_ERROR/i.test(reason))
    return "the table's columns do not read the sink's lines: apply the connectors stack; if it persists, report it with the line";
  return "see the query in the workgroup's history (Athena console) for the whole error";
}

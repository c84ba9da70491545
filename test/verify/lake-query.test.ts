/**
 * The canary read back through Athena (src/verify/lake-query.ts), against a mocked Athena client: the query it
 * starts, and each way a query ends (the token found, not found, FAILED with Athena's reason, still running at
 * the deadline, refused). The query's SQL itself runs on DuckDB in test/lake/views-on-duckdb.test.ts.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { canaryQuerySql } from "../../src/sql/lake-views";
import { type CanaryQueryOptions, folderOf, queryCanary } from "../../src/verify/lake-query";

const athena = mockClient(AthenaClient);
afterAll(() => athena.restore());

const TOKEN = "0f8c2a9e-5b1d-4c1e-9a57-3f2b7d6e1c40";
const KEY =
  "cdc/cdc-lake-demo.cdc.cdc_lake_canary/year=2026/month=12/day=03/hour=04/cdc-lake-demo.cdc.cdc_lake_canary+0+0000000007.json";
const VIEW = "cdc_lake_demo_lake.cdc_lake_demo_cdc_cdc_lake_canary_changes";
const header = {
  Data: [{ VarCharValue: "operation" }, { VarCharValue: "event_time" }, { VarCharValue: "token" }],
};
const row = (operation: string, token: string) => ({
  Data: [{ VarCharValue: operation }, { VarCharValue: "2026-12-03 04:12:09.120" }, { VarCharValue: token }],
});

describe("canary-query: the canary read back with Athena", () => {
  let t: number;
  const options = (extra: Partial<CanaryQueryOptions> = {}): CanaryQueryOptions => ({
    athena: new AthenaClient({ region: "us-east-1" }),
    database: "cdc_lake_demo_lake",
    workgroup: "cdc-lake-demo-lake",
    view: "cdc_lake_demo_cdc_cdc_lake_canary_changes",
    objectKey: KEY,
    token: TOKEN,
    source: "managed",
    timeoutMs: 10_000,
    pollMs: 1_000,
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    ...extra,
  });

  beforeEach(() => {
    t = 0;
    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-7" });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: "QUEUED" } } })
      .resolvesOnce({ QueryExecution: { Status: { State: "RUNNING" } } })
      .resolves({
        QueryExecution: {
          Status: { State: "SUCCEEDED" },
          Statistics: {
            DataScannedInBytes: 1_536,
            EngineExecutionTimeInMillis: 900,
            TotalExecutionTimeInMillis: 1_400,
          },
        },
      });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [header, row("insert", TOKEN)] } });
  });

  it("reads the folder off the object's key", () => {
    expect(folderOf(KEY)).toEqual([
      ["year", "2026"],
      ["month", "12"],
      ["day", "03"],
      ["hour", "04"],
    ]);
  });

  it("queries the canary's changes view in its folder, in the workgroup, and passes on its token", async () => {
    const r = await queryCanary(options());
    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueryString: canaryQuerySql(
          {
            relation: '"cdc_lake_demo_lake"."cdc_lake_demo_cdc_cdc_lake_canary_changes"',
            folder: folderOf(KEY),
            token: TOKEN,
          },
          "athena",
        ),
        WorkGroup: "cdc-lake-demo-lake",
        QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: "cdc_lake_demo_lake" },
      },
    ]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
    expect(r).toEqual({
      stage: "end-to-end",
      check: "canary-query",
      verdict: "pass",
      source: "managed",
      detail: `canary ${TOKEN} read back with Athena: insert in ${VIEW}, folder year=2026/month=12/day=03/hour=04, workgroup cdc-lake-demo-lake (1.5 KiB scanned in 2.0 s)`,
      data: { queryExecutionId: "q-7", dataScannedBytes: 1_536, engineMs: 900, totalMs: 1_400 },
    });
  });

  it("fails when the query succeeds without the token: the catalog does not read what the sink wrote", async () => {
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { Rows: [header, row("insert", "an-older-token")] } });
    const r = await queryCanary(options());
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      `canary ${TOKEN}: in S3 under year=2026/month=12/day=03/hour=04, but ${VIEW} shows no change with its token (1.5 KiB scanned in 2.0 s)`,
    );
    expect(r.fix).toMatch(/^the catalog does not read what the sink writes: apply the connectors stack/);
  });

  it.each([
    [
      "HIVE_BAD_DATA: Error parsing field value '{\"a\":1}' for field 4: varchar value must be a scalar json value\nat ...",
      "HIVE_BAD_DATA: Error parsing field value '{\"a\":1}' for field 4: varchar value must be a scalar json value",
      /^the table's columns do not read the sink's lines/,
    ],
    [
      "line 1:8: View 'awsdatacatalog.cdc_lake_demo_lake.cdc_lake_demo_cdc_cdc_lake_canary_changes' is stale or in invalid state",
      "line 1:8: View 'awsdatacatalog.cdc_lake_demo_lake.cdc_lake_demo_cdc_cdc_lake_canary_changes' is stale or in invalid state",
      /^the catalog is not as the connectors stack declares it/,
    ],
    [
      "Query exhausted resources at this scale factor",
      "Query exhausted resources at this scale factor",
      /^see the query in the workgroup's history/,
    ],
  ])(
    "fails with Athena's reason, its first line, and the fix it points to (%#)",
    async (message, shown, fix) => {
      athena.on(GetQueryExecutionCommand).resolves({
        QueryExecution: {
          Status: { State: "FAILED", AthenaError: { ErrorCategory: 2, ErrorMessage: message } },
        },
      });
      const r = await queryCanary(options());
      expect(r.verdict).toBe("fail");
      expect(r.detail).toBe(`canary ${TOKEN}: query q-7 on ${VIEW} FAILED: ${shown}`);
      expect(r.fix).toMatch(fix);
      expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    },
  );

  it("stops a query still running at the deadline, and fails saying so", async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "RUNNING" } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const r = await queryCanary(options({ timeoutMs: 3_000 }));
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(`canary ${TOKEN}: query q-7 on ${VIEW} still RUNNING after 3.0 s; stopped`);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: "q-7" },
    ]);
  });

  it("names the permissions when Athena refuses the caller", async () => {
    athena.on(StartQueryExecutionCommand).rejects(
      Object.assign(
        new Error(
          "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: athena:StartQueryExecution",
        ),
        {
          name: "AccessDeniedException",
        },
      ),
    );
    const r = await queryCanary(options());
    expect(r.verdict).toBe("fail");
    expect(r.detail).toMatch(
      /^canary .*: Athena did not start the query on cdc_lake_demo_lake\.\S+ in workgroup cdc-lake-demo-lake \(AccessDeniedException: User: /,
    );
    expect(r.fix).toMatch(/athena:StartQueryExecution.*lake_analyst_policy_arn$/);
  });

  it("refuses a folder that is not the sink's digits, or none", () => {
    const relation = '"d"."v"';
    expect(() =>
      canaryQuerySql({ relation, folder: [["year", "2026' OR '1'='1"]], token: TOKEN }, "athena"),
    ).toThrow(`canary query got "2026' OR '1'='1" for partition year; expected digits (the sink's folders)`);
    expect(() => canaryQuerySql({ relation, folder: [], token: TOKEN }, "athena")).toThrow(
      "canary query got no folder; expected the partition keys of the canary's object",
    );
    expect(canaryQuerySql({ relation, folder: [["year", "2026"]], token: "it's" }, "athena")).toContain(
      `element_at("after", 'token') = 'it''s'`,
    );
  });
});

/**
 * Issue 13, "Operate": the alarms on the source database, the brokers and every connector, and the
 * dashboard that shows the pipeline in the order data flows, for both profiles and several sources.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformStack, Testing } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { buildPipelineApp } from "../../src/app";
import { loadConfigFile } from "../../src/cli/load-config";
import { loadPlugins } from "../../src/cli/load-plugins";
import { PipelineDashboard } from "../../src/constructs/observability/pipeline-dashboard";
import { byPath, refTo, type Synthesized, synthesize, type TerraformJson } from "../support/synth";

const made: Synthesized[] = [];
afterAll(() => {
  for (const s of made) s.cleanup();
});

interface Profile {
  readonly file: string;
  readonly env: string;
  readonly base: string;
  /** Each source's part of its connector's name: undefined for the managed source. */
  readonly sources: readonly (string | undefined)[];
  /** max_slot_wal_keep_size of the RDS instance, in MiB. */
  readonly walCapMiB: number;
  readonly region: string;
  /** Whether alerts are configured (else CDC-OBS1 is suppressed, as in the demo). */
  readonly alerts: boolean;
}

const PROFILES: Profile[] = [
  {
    file: "config/demo.yaml",
    env: "demo",
    base: "cdc-lake-demo",
    sources: [undefined],
    walCapMiB: 5120,
    region: "us-east-1",
    alerts: false,
  },
  {
    file: "config/production.yaml",
    env: "prod",
    base: "cdc-lake-prod",
    sources: [undefined],
    walCapMiB: 20480,
    region: "us-east-1",
    alerts: true,
  },
  {
    file: "config/examples/multi-source.yaml",
    env: "prod",
    base: "shop-prod",
    sources: [undefined, "billing", "legacy"],
    walCapMiB: 5120,
    region: "eu-west-1",
    alerts: true,
  },
];

/** The construct path prefix of a source's Debezium connector. */
const debeziumPath = (stack: string, source: string | undefined) =>
  source === undefined ? `${stack}/Debezium` : `${stack}/Source-${source}/Debezium`;

for (const profile of PROFILES) {
  describe(`operate: ${profile.file}`, () => {
    const s = synthesize(loadConfigFile(profile.file));
    made.push(s);
    const platformName = `${profile.env}-platform`;
    const connectorsName = `${profile.env}-connectors`;
    const platform = s.stacks[platformName] ?? {};
    const connectors = s.stacks[connectorsName] ?? {};
    const platformAlarms = byPath(platform, "aws_cloudwatch_metric_alarm");
    const connectorAlarms = byPath(connectors, "aws_cloudwatch_metric_alarm");
    // Production: the platform's topic, read by the connectors stack from the platform's alarm_topic_arn
    // output. Demo: no alerts configured, so no actions (guardrail CDC-OBS1, suppressed there).
    const platformActions = profile.alerts ? [refTo(platform, `${platformName}/Alerts/Resource`, "arn")] : [];
    const connectorActions = profile.alerts
      ? [
          `\${data.terraform_remote_state.cross-stack-reference-input-${platformName}.outputs.alarm_topic_arn}`,
        ]
      : [];

    it("alarms on WAL on the database's disk above the slot's cap (TransactionLogsDiskUsage)", () => {
      expect(platformAlarms[`${platformName}/DatabaseAlarms/TransactionLogs/Resource`]).toMatchObject({
        alarm_name: `${profile.base}-postgres-transaction-logs`,
        namespace: "AWS/RDS",
        metric_name: "TransactionLogsDiskUsage",
        dimensions: {
          DBInstanceIdentifier: refTo(platform, `${platformName}/Database/Resource`, "identifier"),
        },
        statistic: "Maximum",
        period: 300,
        threshold: profile.walCapMiB * 1024 * 1024,
        comparison_operator: "GreaterThanThreshold",
        evaluation_periods: 2,
        treat_missing_data: "notBreaching",
        alarm_actions: platformActions,
        ok_actions: platformActions,
      });
    });

    it("alarms on each broker's data-log disk at 80%, brokers 1 to 3, and on nothing else in Kafka", () => {
      const cluster = refTo(platform, `${platformName}/Kafka/Resource`, "cluster_name");
      const kafka = Object.entries(platformAlarms).filter(([, a]) => a.namespace === "AWS/Kafka");
      expect(kafka.map(([path]) => path)).toEqual(
        [1, 2, 3].map((id) => `${platformName}/KafkaAlarms/Broker${id}Disk`),
      );
      for (const [i, [, alarm]] of kafka.entries()) {
        const id = i + 1;
        expect(alarm).toMatchObject({
          alarm_name: `${profile.base}-msk-broker-${id}-disk`,
          metric_name: "KafkaDataLogsDiskUsed",
          dimensions: { "Cluster Name": cluster, "Broker ID": String(id) },
          statistic: "Maximum",
          period: 300,
          threshold: 80,
          comparison_operator: "GreaterThanOrEqualToThreshold",
          evaluation_periods: 2,
          treat_missing_data: "breaching",
          alarm_actions: platformActions,
          ok_actions: platformActions,
        });
      }
    });

    it("alarms on every connector, each Debezium source and the sink: failed tasks and no running task", () => {
      const watched = [
        ...profile.sources.map((source) => ({
          path: debeziumPath(connectorsName, source),
          name:
            source === undefined
              ? `${profile.base}-debezium-source`
              : `${profile.base}-${source}-debezium-source`,
        })),
        { path: `${connectorsName}/S3Sink`, name: `${profile.base}-s3-sink` },
      ];
      expect(Object.keys(connectorAlarms).sort()).toEqual(
        watched.flatMap((w) => [`${w.path}/Alarms/ErroredTasks`, `${w.path}/Alarms/RunningTasks`]).sort(),
      );
      for (const { path, name } of watched) {
        const connector = { ConnectorName: refTo(connectors, `${path}/Resource`, "name") };
        expect(connectorAlarms[`${path}/Alarms/ErroredTasks`]).toMatchObject({
          alarm_name: `${name}-errored-tasks`,
          namespace: "AWS/KafkaConnect",
          metric_name: "ErroredTaskCount",
          dimensions: connector,
          statistic: "Maximum",
          period: 300,
          threshold: 0,
          comparison_operator: "GreaterThanThreshold",
          evaluation_periods: 1,
          treat_missing_data: "notBreaching",
          alarm_actions: connectorActions,
          ok_actions: connectorActions,
        });
        expect(connectorAlarms[`${path}/Alarms/RunningTasks`]).toMatchObject({
          alarm_name: `${name}-running-tasks`,
          namespace: "AWS/KafkaConnect",
          metric_name: "RunningTaskCount",
          dimensions: connector,
          statistic: "Minimum",
          period: 300,
          threshold: 1,
          comparison_operator: "LessThanThreshold",
          evaluation_periods: 3,
          treat_missing_data: "breaching",
          alarm_actions: connectorActions,
          ok_actions: connectorActions,
        });
      }
    });

    if (profile.alerts) {
      it("reads the topic from the platform's alarm_topic_arn output, which the platform publishes", () => {
        expect(platform.output.alarm_topic_arn.value).toBe(platformActions[0]);
        expect(Object.keys(connectors.data.terraform_remote_state)).toContain(
          `cross-stack-reference-input-${platformName}`,
        );
      });
    }

    describe("the dashboard", () => {
      const dashboards = Object.values<TerraformJson>(connectors.resource.aws_cloudwatch_dashboard ?? {});
      const dashboard = dashboards[0] ?? {};
      const bucket = `\${data.terraform_remote_state.cross-stack-reference-input-${platformName}.outputs.cross-stack-output-aws_s3_bucketDataLake_E54831B2bucket}`;
      const body = JSON.parse(dashboard.dashboard_body ?? "{}");
      const widgets: TerraformJson[] = body.widgets ?? [];

      it("is one per environment, named <base>-pipeline", () => {
        expect(dashboards.map((d) => d.dashboard_name)).toEqual([`${profile.base}-pipeline`]);
      });

      it("reads the lake's generated bucket name from the platform, which publishes it", () => {
        expect(dashboard.dashboard_body).not.toContain("TfToken");
        expect(platform.output["cross-stack-output-aws_s3_bucketDataLake_E54831B2bucket"]?.value).toBe(
          refTo(platform, `${platformName}/DataLake/Resource`, "bucket"),
        );
      });

      it("shows source, connectors, brokers and lake in that order, with their metrics", () => {
        const rds = (metric: string) => `AWS/RDS ${metric} DBInstanceIdentifier=${profile.base}-postgres`;
        const connect = (name: string) => [
          [
            `${name}: tasks`,
            `AWS/KafkaConnect RunningTaskCount ConnectorName=${name}`,
            `AWS/KafkaConnect ErroredTaskCount ConnectorName=${name}`,
          ],
          [`${name}: CPU (%)`, `AWS/KafkaConnect CpuUtilization ConnectorName=${name}`],
        ];
        const broker = (metric: string, id: number) =>
          `AWS/Kafka ${metric} Cluster Name=${profile.base}-msk Broker ID=${id}`;
        const existing: Record<string, string> = {
          billing:
            "**Source billing** (aurora-postgresql, billing.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com:5432, database billing)",
          legacy: "**Source legacy** (postgresql, pg-legacy.internal.example.com:5433, database legacy)",
        };
        const expected = [
          ["## 1. Sources (PostgreSQL)"],
          ...profile.sources.flatMap((source) =>
            source === undefined
              ? [
                  [`${profile.base}-postgres: replication slot lag (bytes)`, rds("OldestReplicationSlotLag")],
                  [`${profile.base}-postgres: free storage (bytes)`, rds("FreeStorageSpace")],
                  [
                    `${profile.base}-postgres: transaction logs on disk (bytes)`,
                    rds("TransactionLogsDiskUsage"),
                  ],
                ]
              : [
                  [
                    `${existing[source]} is an existing database: its metrics live with its own instance and account (for RDS or Aurora: AWS/RDS OldestReplicationSlotLag, TransactionLogsDiskUsage and free storage there). Its connector is below.`,
                  ],
                ],
          ),
          ["## 2. Connectors (MSK Connect)"],
          ...profile.sources.flatMap((source) =>
            connect(
              source === undefined
                ? `${profile.base}-debezium-source`
                : `${profile.base}-${source}-debezium-source`,
            ),
          ),
          ...connect(`${profile.base}-s3-sink`),
          ["## 3. Brokers (MSK)"],
          [
            `${profile.base}-msk: data-log disk used per broker (%)`,
            ...[1, 2, 3].map((id) => broker("KafkaDataLogsDiskUsed", id)),
          ],
          [
            `${profile.base}-msk: bytes in/out per broker (bytes/s)`,
            ...[1, 2, 3].flatMap((id) => [broker("BytesInPerSec", id), broker("BytesOutPerSec", id)]),
          ],
          ["## 4. Lake (S3, daily)"],
          [
            "Lake size (bytes)",
            `AWS/S3 BucketSizeBytes BucketName=${bucket} StorageType=StandardStorage`,
            `AWS/S3 BucketSizeBytes BucketName=${bucket} StorageType=StandardIAStorage`,
          ],
          ["Lake objects", `AWS/S3 NumberOfObjects BucketName=${bucket} StorageType=AllStorageTypes`],
        ];
        expect(widgets.map(summary)).toEqual(expected);
      });

      it("reads each metric at its granularity and statistic, in the profile's region", () => {
        const metricWidgets = widgets.filter((w) => w.type === "metric");
        expect(new Set(metricWidgets.map((w) => w.properties.region))).toEqual(new Set([profile.region]));
        const byTitle = (title: string) =>
          metricWidgets.find((w) => w.properties.title === title)?.properties;
        expect(byTitle("Lake size (bytes)")).toMatchObject({ period: 86400, stat: "Average" });
        expect(byTitle(`${profile.base}-msk: data-log disk used per broker (%)`)).toMatchObject({
          period: 300,
          stat: "Maximum",
          annotations: { horizontal: [{ label: "alarm", value: 80 }] },
        });
        expect(byTitle(`${profile.base}-s3-sink: tasks`)?.metrics.map((m: unknown[]) => m.at(-1))).toEqual([
          { label: "running", stat: "Minimum" },
          { label: "failed", stat: "Maximum" },
        ]);
      });

      it("lays the widgets out top to bottom without overlaps, inside the 24-unit grid", () => {
        for (const [i, w] of widgets.entries()) {
          expect(w.x + w.width, `widget ${i}`).toBeLessThanOrEqual(24);
          for (const other of widgets.slice(0, i)) {
            const apart =
              w.x >= other.x + other.width ||
              other.x >= w.x + w.width ||
              w.y >= other.y + other.height ||
              other.y >= w.y + w.height;
            expect(apart, `widgets ${widgets.indexOf(other)} and ${i} overlap`).toBe(true);
          }
          if (i > 0)
            expect(w.y, `widget ${i} goes up`).toBeGreaterThanOrEqual((widgets[i - 1] as TerraformJson).y);
        }
      });
    });
  });
}

describe("CDC-OBS1 on the demo's new alarms", () => {
  const root = mkdtempSync(join(tmpdir(), "cdc-lake-operate-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("flags each alarm without actions and leaves none open: the demo suppresses the rule with a reason", () => {
    const config = loadConfigFile("config/demo.yaml");
    const { app, guardrails } = buildPipelineApp(config, loadPlugins(join(root, "none")), {
      outdir: mkdtempSync(join(root, "out-")),
    });
    app.synth();
    const obs = guardrails.findings.filter((f) => f.rule.id === "CDC-OBS1");
    expect(obs.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        "demo-platform/DatabaseAlarms/TransactionLogs/Resource",
        "demo-platform/KafkaAlarms/Broker3Disk",
        "demo-connectors/Debezium/Alarms/RunningTasks",
        "demo-connectors/S3Sink/Alarms/ErroredTasks",
      ]),
    );
    expect(obs.filter((f) => !f.suppressedBy)).toEqual([]);
    expect(new Set(obs.map((f) => f.suppressedBy?.reason))).toEqual(
      new Set(["a lab is watched from the console while it runs; set alerts.emails to be notified"]),
    );
  });
});

describe("PipelineDashboard", () => {
  it("escapes Terraform template sequences in text from the config", () => {
    const app = new App();
    const stack = new TerraformStack(app, "test");
    new PipelineDashboard(stack, "Dashboard", {
      dashboardName: "d",
      region: "us-east-1",
      sources: [
        {
          kind: "existing",
          name: "x",
          engine: "postgresql",
          endpoint: "db${var.secret}%{if true}",
          port: 5432,
          databaseName: "app",
        },
      ],
      connectors: [],
      kafka: { clusterName: "c", brokerCount: 2 },
      lakeBucketName: "lake",
    });
    const json = JSON.parse(Testing.synth(stack));
    const body = Object.values<TerraformJson>(json.resource.aws_cloudwatch_dashboard)[0]?.dashboard_body;
    const note = JSON.parse(body).widgets[1].properties.markdown;
    expect(note).toContain("(postgresql, db$${var.secret}%%{if true}:5432, database app)");
  });

  it("fails on a broker count that is not a whole number of brokers", () => {
    const app = new App();
    const stack = new TerraformStack(app, "test");
    expect(
      () =>
        new PipelineDashboard(stack, "Dashboard", {
          dashboardName: "d",
          region: "us-east-1",
          sources: [],
          connectors: [],
          kafka: { clusterName: "c", brokerCount: 0 },
          lakeBucketName: "lake",
        }),
    ).toThrow("test/Dashboard: got brokerCount 0; expected a whole number of brokers, at least 1");
  });
});

/**
 * A widget as [title or markdown, then each metric as "namespace metric dim=value ..."]: what it shows,
 * in order, without the layout.
 */
function summary(widget: TerraformJson): string[] {
  const p = widget.properties;
  if (widget.type === "text") {
    const text = String(p.markdown);
    return [text];
  }
  return [
    p.title,
    ...p.metrics.map((line: unknown[]) => {
      const [namespace, metric, ...rest] = line.filter((part) => typeof part === "string") as string[];
      const dims: string[] = [];
      for (let i = 0; i < rest.length; i += 2) dims.push(`${rest[i]}=${rest[i + 1]}`);
      return [namespace, metric, ...dims].join(" ");
    }),
  ];
}

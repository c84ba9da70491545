import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";
import { escapeTemplate } from "../terraform/escape-template";
import { BROKER_DISK_USED_PERCENT, brokerIds } from "./kafka-alarms";

/** A source as the dashboard shows it: the pipeline's RDS instance, or an existing database. */
export type DashboardSource =
  | { readonly kind: "rds"; readonly dbInstanceIdentifier: string }
  | {
      readonly kind: "existing";
      /** `sources[].name`. */
      readonly name: string;
      readonly engine: string;
      readonly endpoint: string;
      readonly port: number;
      readonly databaseName: string;
    };

/** A connector as the dashboard shows it. */
export interface DashboardConnector {
  /** The MSK Connect connector's name (the metrics' `ConnectorName`). */
  readonly connectorName: string;
  /** What it is, e.g. "Debezium source (managed)", "S3 sink". */
  readonly title: string;
}

export interface PipelineDashboardProps {
  readonly dashboardName: string;
  /** Where the metrics are: every metric widget names its region. */
  readonly region: string;
  /** In the config's order. */
  readonly sources: readonly DashboardSource[];
  /** Every Debezium source, then the sink. */
  readonly connectors: readonly DashboardConnector[];
  readonly kafka: { readonly clusterName: string; readonly brokerCount: number };
  /** The data lake's bucket name (a token from the platform stack is fine). */
  readonly lakeBucketName: string;
}

/** Dashboard grid: 24 units wide. */
const GRID_WIDTH = 24;
const WIDGET_HEIGHT = 6;
const HEADER_HEIGHT = 1;
/** S3 storage metrics are daily; a shorter period shows nothing. */
const ONE_DAY = 86_400;
const FIVE_MINUTES = 300;

/** A metric line: namespace, name, dimension name/value pairs, then its options. */
type MetricLine = (string | Record<string, unknown>)[];

interface MetricWidget {
  readonly title: string;
  readonly metrics: MetricLine[];
  readonly period: number;
  readonly stat: string;
  readonly annotations?: { horizontal: { label: string; value: number }[] };
}

interface Section {
  readonly title: string;
  /** Width of the section's metric widgets: 8 puts a source's three in a row, 12 a connector's two. */
  readonly widgetWidth: 8 | 12;
  readonly widgets: readonly (MetricWidget | { text: string })[];
}

/**
 * One CloudWatch dashboard for the whole pipeline, laid out in the order data flows: each source, each
 * connector, the brokers, the lake. Built from the same config as the resources it shows.
 *
 * The body is JSON text. Terraform evaluates `${…}` in it, which is how the lake's bucket name (a remote
 * state read) lands in it; text from the config is escaped so that it cannot be evaluated.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
export class PipelineDashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const brokers = props.kafka.brokerCount;
    if (!Number.isInteger(brokers) || brokers < 1) {
      throw new Error(
        `${this.node.path}: got brokerCount ${brokers}; expected a whole number of brokers, at least 1`,
      );
    }
    const body = { widgets: layout(sections(props), props.region) };
    this.dashboard = new CloudwatchDashboard(this, "Resource", {
      dashboardName: props.dashboardName,
      dashboardBody: JSON.stringify(body),
    });
  }
}

/** Source, connectors, brokers, lake: the pipeline's order. */
function sections(props: PipelineDashboardProps): Section[] {
  const { clusterName, brokerCount } = props.kafka;
  const brokers = brokerIds(brokerCount);
  const broker = (metric: string, id: number, options: Record<string, unknown>): MetricLine => [
    "AWS/Kafka",
    metric,
    "Cluster Name",
    clusterName,
    "Broker ID",
    String(id),
    options,
  ];
  const lake = (metric: string, storageType: string, label: string): MetricLine => [
    "AWS/S3",
    metric,
    "BucketName",
    props.lakeBucketName,
    "StorageType",
    storageType,
    { label },
  ];
  return [
    { title: "1. Sources (PostgreSQL)", widgetWidth: 8, widgets: props.sources.flatMap(sourceWidgets) },
    {
      title: "2. Connectors (MSK Connect)",
      widgetWidth: 12,
      widgets: props.connectors.flatMap(connectorWidgets),
    },
    {
      title: "3. Brokers (MSK)",
      widgetWidth: 12,
      widgets: [
        // https://docs.aws.amazon.com/msk/latest/developerguide/metrics-details.html (DEFAULT level)
        {
          title: `${clusterName}: data-log disk used per broker (%)`,
          metrics: brokers.map((id) => broker("KafkaDataLogsDiskUsed", id, { label: `broker ${id}` })),
          period: FIVE_MINUTES,
          stat: "Maximum",
          annotations: { horizontal: [{ label: "alarm", value: BROKER_DISK_USED_PERCENT }] },
        },
        {
          title: `${clusterName}: bytes in/out per broker (bytes/s)`,
          metrics: brokers.flatMap((id) => [
            broker("BytesInPerSec", id, { label: `broker ${id} in` }),
            broker("BytesOutPerSec", id, { label: `broker ${id} out` }),
          ]),
          period: FIVE_MINUTES,
          stat: "Average",
        },
      ],
    },
    {
      title: "4. Lake (S3, daily)",
      widgetWidth: 12,
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html
      widgets: [
        {
          title: "Lake size (bytes)",
          metrics: [
            lake("BucketSizeBytes", "StandardStorage", "Standard"),
            lake("BucketSizeBytes", "StandardIAStorage", "Standard-IA"),
          ],
          period: ONE_DAY,
          stat: "Average",
        },
        {
          title: "Lake objects",
          metrics: [lake("NumberOfObjects", "AllStorageTypes", "objects")],
          period: ONE_DAY,
          stat: "Average",
        },
      ],
    },
  ];
}

/**
 * The pipeline's RDS instance: slot lag, free storage, WAL on disk (the alarms' metrics). An existing
 * database's metrics are not in this account's AWS/RDS, or not in CloudWatch at all: a note says where.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
 */
function sourceWidgets(source: DashboardSource): Section["widgets"] {
  if (source.kind === "existing") {
    const where = escapeTemplate(
      `${source.engine}, ${source.endpoint}:${source.port}, database ${source.databaseName}`,
    );
    return [
      {
        text:
          `**Source ${escapeTemplate(source.name)}** (${where}) is an existing database: its metrics live with ` +
          "its own instance and account (for RDS or Aurora: AWS/RDS OldestReplicationSlotLag, " +
          "TransactionLogsDiskUsage and free storage there). Its connector is below.",
      },
    ];
  }
  const rds = (metric: string, label: string): MetricLine => [
    "AWS/RDS",
    metric,
    "DBInstanceIdentifier",
    source.dbInstanceIdentifier,
    { label },
  ];
  const id = source.dbInstanceIdentifier;
  return [
    {
      title: `${id}: replication slot lag (bytes)`,
      metrics: [rds("OldestReplicationSlotLag", "oldest slot lag")],
      period: FIVE_MINUTES,
      stat: "Maximum",
    },
    {
      title: `${id}: free storage (bytes)`,
      metrics: [rds("FreeStorageSpace", "free storage")],
      period: FIVE_MINUTES,
      stat: "Minimum",
    },
    {
      title: `${id}: transaction logs on disk (bytes)`,
      metrics: [rds("TransactionLogsDiskUsage", "WAL on disk")],
      period: FIVE_MINUTES,
      stat: "Maximum",
    },
  ];
}

/** @see https://docs.aws.amazon.com/msk/latest/developerguide/mkc-monitoring-overview.html */
function connectorWidgets(connector: DashboardConnector): MetricWidget[] {
  const metric = (name: string, options: Record<string, unknown>): MetricLine => [
    "AWS/KafkaConnect",
    name,
    "ConnectorName",
    connector.connectorName,
    options,
  ];
  return [
    {
      title: `${connector.title}: tasks`,
      metrics: [
        metric("RunningTaskCount", { label: "running", stat: "Minimum" }),
        metric("ErroredTaskCount", { label: "failed", stat: "Maximum" }),
      ],
      period: FIVE_MINUTES,
      stat: "Maximum",
    },
    {
      title: `${connector.title}: CPU (%)`,
      metrics: [metric("CpuUtilization", { label: "CPU" })],
      period: FIVE_MINUTES,
      stat: "Average",
    },
  ];
}

/**
 * Places the sections top to bottom: a full-width title, then the section's widgets left to right, as many
 * to a row as fit. A text widget (a note about a source) takes a row of its own.
 */
function layout(all: readonly Section[], region: string): Record<string, unknown>[] {
  const widgets: Record<string, unknown>[] = [];
  let y = 0;
  for (const section of all) {
    widgets.push({
      type: "text",
      x: 0,
      y,
      width: GRID_WIDTH,
      height: HEADER_HEIGHT,
      properties: { markdown: `## ${section.title}` },
    });
    y += HEADER_HEIGHT;
    let x = 0;
    for (const widget of section.widgets) {
      const text = "text" in widget;
      const width = text ? GRID_WIDTH : section.widgetWidth;
      const height = text ? 2 : WIDGET_HEIGHT;
      if (x + width > GRID_WIDTH) {
        x = 0;
        y += WIDGET_HEIGHT;
      }
      widgets.push(
        text
          ? { type: "text", x, y, width, height, properties: { markdown: widget.text } }
          : { type: "metric", x, y, width, height, properties: metricProperties(widget, region) },
      );
      x += width;
      if (text) {
        x = 0;
        y += height;
      }
    }
    if (x > 0) y += WIDGET_HEIGHT;
  }
  return widgets;
}

function metricProperties(widget: MetricWidget, region: string): Record<string, unknown> {
  return {
    title: widget.title,
    view: "timeSeries",
    stacked: false,
    region,
    period: widget.period,
    stat: widget.stat,
    metrics: widget.metrics,
    ...(widget.annotations ? { annotations: widget.annotations } : {}),
  };
}

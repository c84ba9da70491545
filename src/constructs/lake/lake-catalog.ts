import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { Construct } from "constructs";
import { lakePartitionProjection } from "../../kafka-connect/s3-sink-settings";
import { LAKE_JSON_SERDE } from "../../sql/lake-views";
import { escapeTemplate } from "../terraform/escape-template";

/** A Glue column: a name and a Hive type (`string`, `bigint`, `struct<…>`). */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

/** One captured table's change events, as the S3 sink writes them under `<TOPICS_DIR>/<topic>/`. */
export interface LakeCatalogTableSpec {
  /** The change topic: the folder the sink writes. */
  readonly topic: string;
  /** The Glue table's name (Naming.lakeTable). */
  readonly name: string;
  /** The event envelope's columns, in Hive types. */
  readonly columns: readonly GlueColumn[];
}

export interface LakeCatalogProps {
  /** The Glue database's name (Naming.glueDatabase). */
  readonly databaseName: string;
  /** The lake bucket's name (a reference to the platform stack's bucket). */
  readonly bucketName: string;
  /** The lower bound of the year projection: year=<firstPartitionYear> to NOW. */
  readonly firstPartitionYear: number;
  readonly tables: readonly LakeCatalogTableSpec[];
}

/** Text files, one record per line: what the sink's JsonFormat writes. */
const TEXT_INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat";
const TEXT_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";

/**
 * The lake's Glue catalog: one database, and one external table per captured table over its topic's folder.
 * Partitions are projected from the sink's own layout (kafka-connect/s3-sink-settings.ts), so Athena finds
 * new hours with no crawler and no MSCK REPAIR, and no partition is ever registered.
 */
export class LakeCatalog extends Construct {
  readonly database: GlueCatalogDatabase;
  /** By topic. */
  readonly tables: ReadonlyMap<string, GlueCatalogTable>;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    this.database = new GlueCatalogDatabase(this, "Database", {
      name: props.databaseName,
      description:
        "Change events of the captured tables, as the S3 sink writes them (Debezium's envelope, JSON)",
    });
    const tables = new Map<string, GlueCatalogTable>();
    for (const spec of props.tables) {
      const projection = lakePartitionProjection(spec.topic, props.firstPartitionYear);
      const bucket = `s3://${props.bucketName}/`;
      const table = new GlueCatalogTable(this, `Table-${spec.topic}`, {
        name: spec.name,
        databaseName: this.database.name,
        description: `Change events of topic ${spec.topic}`,
        tableType: "EXTERNAL_TABLE",
        parameters: {
          EXTERNAL: "TRUE",
          classification: "json",
          ...projection.parameters,
          // Athena's ${year} placeholders, written so that Terraform leaves them alone.
          "storage.location.template": `${bucket}${escapeTemplate(projection.templatePath)}`,
        },
        partitionKeys: projection.partitionKeys.map((name) => ({ name, type: "string" })),
        storageDescriptor: {
          location: `${bucket}${projection.locationPath}`,
          inputFormat: TEXT_INPUT_FORMAT,
          outputFormat: TEXT_OUTPUT_FORMAT,
          // The SerDe the columns are written for (sql/lake-views.ts says why this one).
          serDeInfo: { name: "hive-json", serializationLibrary: LAKE_JSON_SERDE },
          columns: spec.columns.map((c) => ({ ...c })),
        },
      });
      tables.set(spec.topic, table);
    }
    this.tables = tables;
  }
}

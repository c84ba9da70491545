import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { lakePartitionProjection } from "../../kafka-connect/s3-sink-settings";
import { LAKE_JSON_SERDE } from "../../sql/lake-views";
import { escapeTemplate, escapeTemplates } from "../terraform/escape-template";
import { RawResource } from "../terraform/raw-resource";

/** A Glue column: a name and a Hive type (`string`, `bigint`, `struct<…>`). */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
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

/** The for_each map of the tables: by topic, what differs from one table to the next. */
export type LakeTableInstances = Record<
  string,
  { readonly name: string; readonly columns: readonly GlueColumn[] }
>;

/**
 * The lake's Glue catalog: one database, and one external table per captured table over its topic's folder.
 * Partitions are projected from the sink's own layout (kafka-connect/s3-sink-settings.ts), so Athena finds
 * new hours with no crawler and no MSCK REPAIR, and no partition is ever registered.
 *
 * The tables are one resource with `for_each`, keyed by topic: `aws_glue_catalog_table.lake_tables["<topic>"]`,
 * an address that does not move when tables are added or removed. What every table shares is written once;
 * the map holds only each table's name and columns (at 500 tables the lake's JSON, views included, went from
 * 3.0 MB as a resource per table and view to 1.4 MB, and to 0.27 MB once the views were written by shape).
 */
export class LakeCatalog extends Construct {
  readonly database: GlueCatalogDatabase;
  /** Every table, as one for_each resource (RawResource: plain data, for cdktf would resolve the map leaf by leaf). */
  readonly tables: RawResource;
  /** `${aws_glue_catalog_database.….name}`: the database's name as a reference, for the tables and views. */
  readonly databaseReference: string;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    this.database = new GlueCatalogDatabase(this, "Database", {
      name: props.databaseName,
      description:
        "Change events of the captured tables, as the S3 sink writes them (Debezium's envelope, JSON)",
    });
    this.databaseReference = `\${${this.database.terraformResourceType}.${this.database.friendlyUniqueId}.name}`;
    // The bucket's name once, as a local: the raw tables below refer to it and hold no token themselves.
    const bucketName = new TerraformLocal(this, "BucketName", props.bucketName);
    const bucket = `s3://\${local.${bucketName.friendlyUniqueId}}/`;
    // The topic is the map's key: `${each.key}` in the paths below, where Terraform puts it. Athena's
    // placeholders after it (year=${year}/…) are escaped, so that Terraform leaves them for Athena.
    const projection = lakePartitionProjection("${each.key}", props.firstPartitionYear);
    const instances: LakeTableInstances = {};
    for (const spec of props.tables) instances[spec.topic] = { name: spec.name, columns: spec.columns };
    this.tables = new RawResource(
      this,
      "Tables",
      "aws_glue_catalog_table",
      {
        // Every string of the map is a template to Terraform: escaped, whatever the config put in a name.
        for_each: escapeTemplates(instances),
        name: "${each.value.name}",
        database_name: this.databaseReference,
        description: "Change events of topic ${each.key}",
        table_type: "EXTERNAL_TABLE",
        parameters: {
          EXTERNAL: "TRUE",
          classification: "json",
          ...projection.parameters,
          "storage.location.template": `${bucket}${projection.locationPath}${escapeTemplate(projection.partitionTemplate)}`,
        },
        partition_keys: projection.partitionKeys.map((name) => ({ name, type: "string" })),
        storage_descriptor: {
          location: `${bucket}${projection.locationPath}`,
          input_format: TEXT_INPUT_FORMAT,
          output_format: TEXT_OUTPUT_FORMAT,
          // The SerDe the columns are written for (sql/lake-views.ts says why this one).
          ser_de_info: { name: "hive-json", serialization_library: LAKE_JSON_SERDE },
          dynamic: { columns: dynamicColumns("${each.value.columns}") },
        },
      },
      { logicalId: "lake_tables" },
    );
  }
}

/** A `dynamic "columns"` block over `list`, an expression of a list of GlueColumn. */
export function dynamicColumns(list: string): Record<string, unknown> {
  return { for_each: list, content: { name: "${columns.value.name}", type: "${columns.value.type}" } };
}

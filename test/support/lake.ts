/** What a config's lake should hold, worked out from the config alone (not from the stack's code). */
import { Naming } from "../../src/config/naming";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { debeziumTopics } from "../../src/kafka-connect/debezium-settings";
import { SINK_PARTITIONING } from "../../src/kafka-connect/s3-sink-settings";
import { canaryTableOf } from "../../src/sql/capture-sql";
import type { LakeViewSource } from "../../src/sql/lake-views";

export interface ExpectedLakeTable {
  /** The change topic: the table's folder and its key in lake_tables. */
  readonly topic: string;
  /** The Glue table's name. */
  readonly name: string;
  /** What the views are generated from. */
  readonly source: LakeViewSource;
  /** Whether the config gives a primary key: then it has a current-state view. */
  readonly hasKey: boolean;
}

/** Every captured table of every source, the canary's included, as the lake should catalog it. */
export function expectedLakeTables(config: PipelineConfig): ExpectedLakeTable[] {
  const naming = new Naming(config.project, config.environment);
  const database = naming.glueDatabase();
  return config.sources.flatMap((s) => {
    const tables = [...s.capture.tables, canaryTableOf(s.capture.heartbeatSchema)];
    const topics = debeziumTopics({ topicPrefix: s.capture.topicPrefix, tables });
    return tables.map((t, i) => {
      const topic = topics[i] as string;
      const name = naming.lakeTable(topic);
      const columns = "columns" in t ? t.columns : undefined;
      const source: LakeViewSource = {
        relation: `"${database}"."${name}"`,
        // The sink's lines are the bare envelope with either connectors.jsonSchemas.
        jsonSchemas: false,
        keyColumns: columns?.filter((c) => c.primaryKey).map((c) => c.name),
        columns: columns?.map((c) => ({ name: c.name, type: c.type })),
        partitionKeys: SINK_PARTITIONING.fields,
      };
      return { topic, name, source, hasKey: (columns ?? []).some((c) => c.primaryKey) };
    });
  });
}

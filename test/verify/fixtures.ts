/**
 * The demo pipeline's stack outputs as an apply leaves them (names and shapes as the stacks synthesize them:
 * platform `rds` and `s3_bucket_name`, database `sources`, connectors `debezium_connector_arns`…), for
 * verify's tests.
 */
import type { PipelineConfig } from "../../src/config/pipeline-config";

export const ACCOUNT = "123456789012";
export const MASTER_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:rds!db-0a1b2c3d-AbCdEf`;
export const CDC_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:cdc-lake-demo/postgres/cdc_lake_demo_cdc-2024-GhIjKl`;
export const DEBEZIUM_ARN = `arn:aws:kafkaconnect:us-east-1:${ACCOUNT}:connector/cdc-lake-demo-debezium-source/0a1b2c3d-1`;
export const SINK_ARN = `arn:aws:kafkaconnect:us-east-1:${ACCOUNT}:connector/cdc-lake-demo-s3-sink/4e5f6a7b-2`;
export const LAKE_BUCKET = "cdc-lake-demo-lake-20260301000000000000000001";

/** `{"<stack>": {"<output>": value}}`, what `--outputs` reads, for the demo config (or `overrides` per stack). */
export function demoOutputs(
  rds: { address: string; port: number } = {
    address: "cdc-lake-demo-postgres.c0a1b2c3d4e5.us-east-1.rds.amazonaws.com",
    port: 5432,
  },
): Record<string, Record<string, unknown>> {
  return {
    "demo-platform": {
      rds: {
        ...rds,
        endpoint: `${rds.address}:${rds.port}`,
        database_name: "msk_db",
        master_username: "msk_user",
        master_user_secret_arn: MASTER_SECRET_ARN,
      },
      rds_master_user_secret_arn: MASTER_SECRET_ARN,
      s3_bucket_name: LAKE_BUCKET,
    },
    "demo-database": {
      sources: {
        managed: {
          cdcSecretArn: CDC_SECRET_ARN,
          cdcSecretName: "cdc-lake-demo/postgres/cdc_lake_demo_cdc-2024",
          cdcSecretVersionId: "v-1",
          heartbeatTable: "cdc.debezium_heartbeat",
          publicationName: "cdc_lake_demo_publication",
          replicationSlotName: "cdc_lake_demo_slot",
        },
      },
    },
    "demo-connectors": {
      debezium_connector_arns: { managed: DEBEZIUM_ARN },
      s3_sink_connector_arn: SINK_ARN,
      change_topics: ["cdc-lake-demo.public.student", "cdc-lake-demo.cdc.cdc_lake_canary"],
      lake_database: "cdc_lake_demo_lake",
      athena_workgroup: "cdc-lake-demo-lake",
    },
  };
}

/** A Terraform state (format 4) holding these outputs, as `terraform apply` writes it. */
export function tfstate(outputs: Record<string, unknown>): string {
  return JSON.stringify({
    version: 4,
    terraform_version: "1.11.0",
    serial: 3,
    lineage: "2f0c1a4e-0000-0000-0000-000000000000",
    outputs: Object.fromEntries(
      Object.entries(outputs).map(([name, value]) => [
        name,
        { value, type: typeof value === "string" ? "string" : ["object", {}] },
      ]),
    ),
    resources: [],
  });
}

export function managedSource(config: PipelineConfig) {
  const source = config.sources.find((s) => s.server.kind === "managed");
  if (!source) throw new Error("no managed source");
  return source;
}

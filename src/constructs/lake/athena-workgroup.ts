import { AthenaWorkgroup } from "@cdktf/provider-aws/lib/athena-workgroup";
import { Construct } from "constructs";

/**
 * Where the workgroup writes query results in the lake bucket: a prefix of its own, outside `<TOPICS_DIR>/`,
 * so the sink (which may write `<TOPICS_DIR>/*` only) cannot touch results and analysts cannot write change data.
 */
export const ATHENA_RESULTS_PREFIX = "athena-results";

const MIB = 1_048_576;

/** The engine the tables' SerDe and the views' definitions are written for (Trino). */
export const ATHENA_ENGINE_VERSION = "Athena engine version 3";

export interface LakeWorkgroupProps {
  /** The workgroup's name (Naming.athenaWorkgroup). */
  readonly name: string;
  /** The lake bucket's name: results go to `s3://<bucket>/<ATHENA_RESULTS_PREFIX>/`. */
  readonly bucketName: string;
  /** The lake's KMS key: results are SSE-KMS with it. @default - SSE-S3, as the lake without a key */
  readonly kmsKeyArn?: string;
  /** Athena cancels a query past this much data scanned. At least 10 (Athena's 10 MB minimum). */
  readonly bytesScannedCutoffPerQueryMiB: number;
  /** Let destroy delete the workgroup with its saved queries and history (storage.forceDestroy). */
  readonly forceDestroy: boolean;
}

/**
 * The Athena workgroup analysts query the lake in. Its settings override each client's (enforced): results
 * in the lake bucket under a prefix of their own, encrypted like the lake, a per-query scan limit, and
 * CloudWatch metrics per query.
 * @see https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html
 * @see https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html
 */
export class LakeWorkgroup extends Construct {
  readonly workgroup: AthenaWorkgroup;
  /** `s3://<bucket>/<ATHENA_RESULTS_PREFIX>/`. */
  readonly outputLocation: string;

  constructor(scope: Construct, id: string, props: LakeWorkgroupProps) {
    super(scope, id);
    this.outputLocation = `s3://${props.bucketName}/${ATHENA_RESULTS_PREFIX}/`;
    this.workgroup = new AthenaWorkgroup(this, "Resource", {
      name: props.name,
      description: "Queries over the CDC lake: results encrypted in the lake bucket, scans capped per query",
      state: "ENABLED",
      forceDestroy: props.forceDestroy,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQueryMiB * MIB,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: this.outputLocation,
          encryptionConfiguration: props.kmsKeyArn
            ? { encryptionOption: "SSE_KMS", kmsKeyArn: props.kmsKeyArn }
            : { encryptionOption: "SSE_S3" },
        },
      },
    });
  }

  get arn(): string {
    return this.workgroup.arn;
  }
}

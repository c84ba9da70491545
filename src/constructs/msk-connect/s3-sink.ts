import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ConnectorCapacity } from "../../config/pipeline-config";
import { UserError } from "../../errors";
import {
  type S3SinkSettings,
  s3SinkConnectorConfiguration,
  s3SinkWorkerProperties,
  TOPICS_DIR,
} from "../../kafka-connect/s3-sink-settings";
import { changeTopics, connectGroup, KafkaActions } from "./kafka-cluster-arns";
import { MskConnector, type MskConnectorProps } from "./msk-connector";

export interface S3SinkProps extends MskConnectorProps {
  /** The sink's settings (topics, bucket, flush and rotation). */
  readonly settings: S3SinkSettings;
  /**
   * The sources' topic prefixes: the role may read `<topicPrefix>.*` of each, one ARN per source however many
   * tables, and every topic in `settings.topics` must be below one of them.
   */
  readonly topicPrefixes: readonly string[];
  /** ARN of the bucket named in `settings.bucketName`. */
  readonly bucketArn: string;
  /** The bucket's KMS key, when it has one: writing an object needs a data key. @default - SSE-S3 */
  readonly bucketKeyArn?: string;
  /** Embed the Kafka Connect schema in every record (schemas.enable). */
  readonly jsonSchemas: boolean;
  /** What must be running first: the source that creates the topics. */
  readonly after?: ITerraformDependable[];
  /** Autoscaled: workers are added and removed on CPU. */
  readonly capacity: ConnectorCapacity;
}

/**
 * The Confluent S3 sink on MSK Connect: reads the change topics and writes them to the data lake as JSON,
 * under `<TOPICS_DIR>/`. Its role may read the topics under the sources' topic prefixes, use its consumer
 * group, and write objects below `<TOPICS_DIR>/` only (with the bucket's key, through S3 only).
 */
export class S3Sink extends MskConnector {
  constructor(scope: Construct, id: string, props: S3SinkProps) {
    const { settings, kafka } = props;
    const outside = settings.topics.filter((t) => !props.topicPrefixes.some((p) => t.startsWith(`${p}.`)));
    if (outside.length > 0) {
      throw new UserError(
        `S3 sink ${props.connectorName}: got topics ${outside.join(", ")}; expected topics below the topic prefixes ${props.topicPrefixes.map((p) => `"${p}."`).join(", ")} (its role may read only those)`,
      );
    }
    super(scope, id, props, {
      description: `Confluent S3 sink: ${settings.topics.length} topic(s) to the data lake as JSON`,
      configuration: s3SinkConnectorConfiguration(settings),
      workerProperties: s3SinkWorkerProperties(props.jsonSchemas),
      capacity: { autoscaling: props.capacity },
      consumerGroups: [connectGroup(props.connectorName)],
      statements: [
        {
          sid: "ChangeTopics",
          effect: "Allow",
          actions: [...KafkaActions.consume],
          // By the topic prefix, not per topic: one ARN per topic passes IAM's policy size limit at ~90 tables.
          resources: props.topicPrefixes.map((p) => kafka.topic(changeTopics(p))),
        },
        {
          sid: "LakeBucket",
          effect: "Allow",
          actions: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
          resources: [props.bucketArn],
        },
        {
          sid: "LakeObjects",
          effect: "Allow",
          actions: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
          resources: [`${props.bucketArn}/${TOPICS_DIR}/*`],
        },
        ...(props.bucketKeyArn
          ? [
              {
                sid: "LakeKey",
                effect: "Allow",
                actions: ["kms:GenerateDataKey", "kms:Decrypt"],
                resources: [props.bucketKeyArn],
                // The key also serves RDS and MSK: only through S3.
                condition: [
                  {
                    test: "StringEquals",
                    variable: "kms:ViaService",
                    values: [`s3.${settings.region}.amazonaws.com`],
                  },
                ],
              },
            ]
          : []),
      ],
      after: props.after,
    });
  }
}

import type { Construct } from "constructs";
import type { McuCount } from "../../config/pipeline-config";
import {
  type DebeziumSettings,
  debeziumConnectorConfiguration,
  debeziumTopics,
  debeziumWorkerProperties,
  type TerraformFunctions,
} from "../../kafka-connect/debezium-settings";
import { heartbeatTopic } from "../../kafka-connect/topics";
import { changeTopics, KafkaActions } from "./kafka-cluster-arns";
import { MskConnector, type MskConnectorProps } from "./msk-connector";

/** The replacement tracker's key for the credentials secret's version (beside the configuration's keys). */
export const CREDENTIALS_VERSION_KEY = "credentials_secret_version";

export interface DebeziumSourceProps extends MskConnectorProps {
  /** The connector's settings (database, publication, slot, topics). */
  readonly settings: DebeziumSettings;
  /** ARN of the secret named in `settings.credentialsSecretName`: the role may read it, nothing else. */
  readonly credentialsSecretArn: string;
  /** Debezium's offsets topic: a fixed name, so a replaced connector resumes where the old one stopped. */
  readonly offsetTopic: string;
  readonly region: string;
  /** Embed the Kafka Connect schema in every record (schemas.enable). */
  readonly jsonSchemas: boolean;
  /** Terraform's functions (cdktf's Fn), for the secret reference. */
  readonly terraform: TerraformFunctions;
  /** MSK Connect units of its one worker. */
  readonly mcuCount: McuCount;
  /**
   * The version of the credentials secret (its version id): a new one (a rotated password) replaces the
   * connector, so its task logs in with the new password instead of failing on its next reconnect. Held by
   * the replacement tracker only: the configuration still names the secret, never a version.
   */
  readonly credentialsVersion: string;
}

/**
 * The Debezium PostgreSQL source on MSK Connect: reads the publication through its slot and writes one
 * topic per captured table, creating the topics itself (MSK has auto-creation off). Its role may
 * produce to the topics under its topic prefix (`<topicPrefix>.*`) and to the heartbeat topic, keep its
 * offsets, and read the CDC role's secret.
 *
 * One provisioned worker: the PostgreSQL connector always runs one task (a slot has one reader), so
 * autoscaling would only add cost and rebalances against a role with a connection limit.
 */
export class DebeziumSource extends MskConnector {
  /** The change topics, one per captured table. */
  readonly topics: readonly string[];

  constructor(scope: Construct, id: string, props: DebeziumSourceProps) {
    const { settings, kafka } = props;
    const topics = debeziumTopics(settings);
    super(scope, id, props, {
      description: `Debezium PostgreSQL source: ${settings.tables.length} table(s) of ${settings.databaseName}`,
      configuration: debeziumConnectorConfiguration(settings, props.terraform),
      workerProperties: debeziumWorkerProperties(props.region, props.jsonSchemas, props.offsetTopic),
      capacity: { provisioned: { mcuCount: props.mcuCount, workerCount: 1 } },
      replaceWhen: { [CREDENTIALS_VERSION_KEY]: props.credentialsVersion },
      consumerGroups: [],
      statements: [
        {
          sid: "OffsetTopic",
          effect: "Allow",
          actions: [...KafkaActions.internalTopics],
          resources: [kafka.topic(props.offsetTopic)],
        },
        {
          sid: "ChangeAndHeartbeatTopics",
          effect: "Allow",
          actions: [...KafkaActions.produce],
          // By the topic prefix, not per table: one ARN per table passes IAM's policy size limit at ~90 tables.
          resources: [changeTopics(settings.topicPrefix), heartbeatTopic(settings.topicPrefix)].map((t) =>
            kafka.topic(t),
          ),
        },
        {
          sid: "CdcRoleCredentials",
          effect: "Allow",
          actions: ["secretsmanager:GetSecretValue"],
          resources: [props.credentialsSecretArn],
        },
      ],
    });
    this.topics = topics;
  }
}

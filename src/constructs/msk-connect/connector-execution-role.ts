import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { serviceTrustPolicy } from "../security/service-trust-policy";
import {
  internalTopics,
  KafkaActions,
  type KafkaClusterArns,
  MSK_CONNECT_INTERNAL_GROUPS,
} from "./kafka-cluster-arns";

export interface ConnectorExecutionRoleProps {
  readonly roleName: string;
  /** The connector that may assume the role (aws:SourceArn), in the cluster's account and region. */
  readonly connectorName: string;
  readonly kafka: KafkaClusterArns;
  /** Consumer groups the connector uses besides MSK Connect's own (a sink's `connect-<name>`). */
  readonly consumerGroups: readonly string[];
  /** The connector's own permissions, as statements; least privilege is the caller's to spell out. */
  readonly statements: DataAwsIamPolicyDocumentStatement[];
}

/**
 * The service execution role of one MSK Connect connector: assumable by MSK Connect only, for this
 * connector only (confused-deputy conditions), allowed to join the cluster, use this connector's own
 * internal topics and groups, and exactly the given statements.
 */
export class ConnectorExecutionRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ConnectorExecutionRoleProps) {
    super(scope, id);
    const { kafka } = props;
    const trust = serviceTrustPolicy(this, "TrustPolicy", {
      service: "kafkaconnect.amazonaws.com",
      account: kafka.account,
      sourceArn: `arn:${kafka.partition}:kafkaconnect:${kafka.region}:${kafka.account}:connector/${props.connectorName}/*`,
    });
    this.role = new IamRole(this, "Resource", {
      name: props.roleName,
      description: `MSK Connect service execution role of ${props.connectorName}`,
      assumeRolePolicy: trust.json,
    });
    const permissions = new DataAwsIamPolicyDocument(this, "PermissionsPolicy", {
      statement: [
        { sid: "Cluster", effect: "Allow", actions: [...KafkaActions.cluster], resources: [kafka.cluster] },
        {
          sid: "ConnectInternalTopics",
          effect: "Allow",
          actions: [...KafkaActions.internalTopics],
          resources: [kafka.topic(internalTopics(props.connectorName))],
        },
        {
          sid: "ConnectGroups",
          effect: "Allow",
          actions: [...KafkaActions.groups],
          resources: [MSK_CONNECT_INTERNAL_GROUPS, ...props.consumerGroups].map((g) => kafka.group(g)),
        },
        ...props.statements,
      ],
    });
    this.policy = new IamRolePolicy(this, "Permissions", {
      name: "connector",
      role: this.role.id,
      policy: permissions.json,
    });
  }

  get arn(): string {
    return this.role.arn;
  }
}

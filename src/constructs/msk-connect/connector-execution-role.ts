import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { serviceTrustPolicy } from "../security/service-trust-policy";
import type { KafkaClusterArns } from "./kafka-cluster-arns";

export interface ConnectorExecutionRoleProps {
  readonly roleName: string;
  /** The connector that may assume the role (aws:SourceArn), in the cluster's account and region. */
  readonly connectorName: string;
  readonly kafka: KafkaClusterArns;
  /** Every permission, as statements; least privilege is the caller's to spell out. */
  readonly statements: DataAwsIamPolicyDocumentStatement[];
}

/**
 * The service execution role of one MSK Connect connector: assumable by MSK Connect only, for this
 * connector only (confused-deputy conditions), with an inline policy of exactly the given statements.
 */
export class ConnectorExecutionRole extends Construct {
  readonly role: IamRole;

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
      statement: props.statements,
    });
    new IamRolePolicy(this, "Permissions", {
      name: "connector",
      role: this.role.id,
      policy: permissions.json,
    });
  }

  get arn(): string {
    return this.role.arn;
  }
}

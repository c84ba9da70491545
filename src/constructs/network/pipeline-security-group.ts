import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";

export interface PipelineSecurityGroupProps {
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
}

/** A peer a rule names: another group (the pipeline's, or an existing one by ID), a CIDR block, or an AWS managed prefix list (S3's, say). */
export type Peer =
  | { readonly securityGroup: PipelineSecurityGroup }
  | { readonly securityGroupId: string }
  | { readonly cidr: string }
  | { readonly prefixListId: string };

/**
 * A security group that starts with no rules at all: Terraform removes AWS's default allow-all egress
 * on create, and every rule is a separate resource with a description, added through allow methods.
 */
export class PipelineSecurityGroup extends Construct {
  readonly resource: SecurityGroup;

  constructor(scope: Construct, id: string, props: PipelineSecurityGroupProps) {
    super(scope, id);
    this.resource = new SecurityGroup(this, "Resource", {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
  }

  get id(): string {
    return this.resource.id;
  }

  /** Lets `peer` open TCP connections to `port` on members of this group. */
  allowIngress(ruleId: string, peer: Peer, port: number, description: string): VpcSecurityGroupIngressRule {
    return new VpcSecurityGroupIngressRule(this, `Ingress-${ruleId}`, {
      securityGroupId: this.resource.id,
      description,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      ...peerArguments(peer),
    });
  }

  /** Lets members of this group open TCP connections to `port` on `peer`. */
  allowEgress(ruleId: string, peer: Peer, port: number, description: string): VpcSecurityGroupEgressRule {
    return new VpcSecurityGroupEgressRule(this, `Egress-${ruleId}`, {
      securityGroupId: this.resource.id,
      description,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      ...peerArguments(peer),
    });
  }
}

/**
 * Lets members of `source` reach `port` on members of `groupId`, a group the pipeline does not own (an
 * existing database's): the rule is the pipeline's, created and destroyed with it; the group is not.
 */
export function admitIntoExistingGroup(
  source: PipelineSecurityGroup,
  ruleId: string,
  groupId: string,
  port: number,
  description: string,
): VpcSecurityGroupIngressRule {
  return new VpcSecurityGroupIngressRule(source, `IngressInto-${ruleId}`, {
    securityGroupId: groupId,
    description,
    ipProtocol: "tcp",
    fromPort: port,
    toPort: port,
    referencedSecurityGroupId: source.id,
  });
}

function peerArguments(peer: Peer) {
  if ("securityGroupId" in peer) return { referencedSecurityGroupId: peer.securityGroupId };
  if ("securityGroup" in peer) return { referencedSecurityGroupId: peer.securityGroup.id };
  if ("cidr" in peer) return { cidrIpv4: peer.cidr };
  return { prefixListId: peer.prefixListId };
}

import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { Naming } from "../../config/naming";
import type { AvailabilityZone, SubnetConfig } from "../../config/pipeline-config";
import { PipelineSecurityGroup } from "./pipeline-security-group";

export interface PipelineNetworkProps {
  /** Name tags and endpoint security-group names. */
  readonly names: Pick<Naming, "networkResource" | "interfaceEndpointSecurityGroup">;
  readonly region: string;
  /** IPv4 CIDR of the VPC. */
  readonly vpcCidr: string;
  /**
   * One public subnet per entry, in this order. Construct ids (Terraform addresses) use the zone as written,
   * `PublicSubnet-us-east-1a` or `PublicSubnet-use1-az4`; a zone given by ID with its `previousName` keeps
   * the subnet's state through a `moved` block from the name's address.
   */
  readonly publicSubnets: readonly SubnetConfig[];
  /** Private subnets (no route to the internet unless `natGateway`); none for a public-only layout. */
  readonly privateSubnets: readonly SubnetConfig[];
  /** A NAT gateway (in the first public subnet) as the private subnets' default route. */
  readonly natGateway: boolean;
}

/** An interface endpoint and the security group that admits its clients. */
export interface InterfaceEndpoint {
  /** Construct id prefix, e.g. `SecretsManager`. */
  readonly id: string;
  /** Service name, e.g. `secretsmanager`. */
  readonly service: string;
  readonly endpoint: VpcEndpoint;
  readonly securityGroup: PipelineSecurityGroup;
}

/** The operators' sources: the group the pipeline creates for them, and their networks. */
export interface OperatorPeers {
  readonly securityGroup?: PipelineSecurityGroup;
  readonly cidrs: readonly string[];
}

/** A zone as the config wrote it: its ID or its name. */
function label(zone: AvailabilityZone): string {
  return "id" in zone ? zone.id : zone.name;
}

/**
 * The seed lab's network: a VPC with DNS, one public subnet per AZ, an internet gateway and its route,
 * plus an S3 gateway endpoint, because MSK Connect workers get no public IP even in public subnets.
 */
export class PipelineNetwork extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: readonly Subnet[];
  readonly publicRouteTable: RouteTable;
  readonly privateSubnets: readonly Subnet[];
  readonly privateRouteTable?: RouteTable;
  readonly s3Endpoint: VpcEndpoint;
  /** Interface endpoints, in the order they were added. */
  readonly interfaceEndpoints: InterfaceEndpoint[] = [];
  private readonly operators: OperatorPeers[] = [];
  private readonly names: PipelineNetworkProps["names"];
  private readonly region: string;

  constructor(scope: Construct, id: string, props: PipelineNetworkProps) {
    super(scope, id);
    this.names = props.names;
    this.region = props.region;
    const nameTag = (component: string) => ({ Name: props.names.networkResource(component) });

    // DNS support and hostnames: RDS and MSK endpoints are names, and VPC endpoints need private DNS.
    this.vpc = new Vpc(this, "Resource", {
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: nameTag("vpc"),
    });

    // The default group allows all traffic between its members; nothing should use it, so empty it.
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", {
      vpcId: this.vpc.id,
      tags: nameTag("default-deny"),
    });

    const gateway = new InternetGateway(this, "InternetGateway", {
      vpcId: this.vpc.id,
      tags: nameTag("igw"),
    });
    this.publicRouteTable = new RouteTable(this, "PublicRouteTable", {
      vpcId: this.vpc.id,
      tags: nameTag("public"),
    });
    new Route(this, "PublicDefaultRoute", {
      routeTableId: this.publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: gateway.id,
    });

    this.publicSubnets = props.publicSubnets.map(({ zone, cidr }) => {
      const subnet = this.subnet("Public", zone, cidr, this.publicRouteTable, {
        // Nothing here needs an automatic public IP: a public RDS gets its own address from RDS.
        mapPublicIpOnLaunch: false,
        tags: nameTag(`public-${label(zone)}`),
      });
      return subnet;
    });

    const privateSubnets = props.privateSubnets;
    if (privateSubnets.length > 0) {
      // No internet route: S3 and Secrets Manager are reached through VPC endpoints.
      this.privateRouteTable = new RouteTable(this, "PrivateRouteTable", {
        vpcId: this.vpc.id,
        tags: nameTag("private"),
      });
    }
    const privateRouteTable = this.privateRouteTable;
    this.privateSubnets = privateSubnets.map(({ zone, cidr }) =>
      this.subnet("Private", zone, cidr, privateRouteTable as RouteTable, {
        mapPublicIpOnLaunch: false,
        tags: nameTag(`private-${label(zone)}`),
      }),
    );
    if (props.natGateway && privateRouteTable) {
      const address = new Eip(this, "NatAddress", { domain: "vpc", tags: nameTag("nat") });
      const nat = new NatGateway(this, "NatGateway", {
        allocationId: address.id,
        subnetId: this.publicSubnets[0]?.id as string,
        tags: nameTag("nat"),
        dependsOn: [gateway],
      });
      new Route(this, "PrivateDefaultRoute", {
        routeTableId: privateRouteTable.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: nat.id,
      });
    }

    this.s3Endpoint = new VpcEndpoint(this, "S3GatewayEndpoint", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [this.publicRouteTable.id, ...(privateRouteTable ? [privateRouteTable.id] : [])],
      tags: nameTag("s3"),
    });
  }

  /**
   * A subnet of `kind` in `zone` with its route-table association. Placed by zone ID when the config gives
   * one (the same zone in every account), else by name. Construct ids use the zone as written.
   */
  private subnet(
    kind: "Public" | "Private",
    zone: AvailabilityZone,
    cidr: string,
    routeTable: RouteTable,
    extra: { mapPublicIpOnLaunch: boolean; tags: Record<string, string> },
  ): Subnet {
    const subnet = new Subnet(this, `${kind}Subnet-${label(zone)}`, {
      vpcId: this.vpc.id,
      ...("id" in zone ? { availabilityZoneId: zone.id } : { availabilityZone: zone.name }),
      cidrBlock: cidr,
      ...extra,
    });
    const association = new RouteTableAssociation(this, `${kind}SubnetRoutes-${label(zone)}`, {
      subnetId: subnet.id,
      routeTableId: routeTable.id,
    });
    if ("id" in zone && zone.previousName) {
      // The same zone, now by ID: the subnet keeps its state (changing availability_zone to the matching
      // availability_zone_id plans no change), instead of being replaced under a new address.
      subnet.moveFromId(`aws_subnet.${this.logicalIdAt(`${kind}Subnet-${zone.previousName}`)}`);
      association.moveFromId(
        `aws_route_table_association.${this.logicalIdAt(`${kind}SubnetRoutes-${zone.previousName}`)}`,
      );
    }
    return subnet;
  }

  /** The logical id Terraform gives a resource with construct id `id` directly under this construct. */
  private logicalIdAt(id: string): string {
    const probe = new Construct(this, id);
    const logicalId = TerraformStack.of(this).getLogicalId(probe.node);
    this.node.tryRemoveChild(id);
    return logicalId;
  }

  /**
   * Admits the operators (config network.operatorAccess) to every interface endpoint of the VPC on 443, those
   * added before and after this call: with private DNS an endpoint answers for the whole VPC, so a runner in
   * it reaches the service's API only through the endpoint.
   */
  admitOperators(operators: OperatorPeers): void {
    this.operators.push(operators);
    for (const endpoint of this.interfaceEndpoints) this.admitOperatorsTo(endpoint, operators);
  }

  /**
   * A private (interface) endpoint for an AWS API, with private DNS so clients need no special endpoint
   * configuration, reachable on 443 from `clients` and the operators only.
   */
  addInterfaceEndpoint(
    id: string,
    service: string,
    subnetIds: string[],
    clients: readonly PipelineSecurityGroup[] = [],
  ): InterfaceEndpoint {
    const securityGroup = new PipelineSecurityGroup(this, `${id}EndpointSecurityGroup`, {
      name: this.names.interfaceEndpointSecurityGroup(service),
      description: `Interface endpoint for ${service}: HTTPS from its clients only`,
      vpcId: this.vpc.id,
    });
    clients.forEach((client, i) => {
      // The first client's rule keeps the address it had when an endpoint had exactly one client.
      securityGroup.allowIngress(
        i === 0 ? "Clients" : `Clients${i}`,
        { securityGroup: client },
        443,
        `HTTPS to ${service}`,
      );
    });
    const endpoint = new VpcEndpoint(this, `${id}Endpoint`, {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${this.region}.${service}`,
      vpcEndpointType: "Interface",
      privateDnsEnabled: true,
      subnetIds,
      securityGroupIds: [securityGroup.id],
      tags: { Name: this.names.networkResource(service) },
    });
    const created: InterfaceEndpoint = { id, service, endpoint, securityGroup };
    this.interfaceEndpoints.push(created);
    for (const operators of this.operators) this.admitOperatorsTo(created, operators);
    return created;
  }

  private admitOperatorsTo(target: InterfaceEndpoint, operators: OperatorPeers): void {
    const { securityGroup: group, cidrs } = operators;
    if (group) {
      target.securityGroup.allowIngress(
        "Operators",
        { securityGroup: group },
        443,
        `HTTPS to ${target.service} from the operators' group (network.operatorAccess)`,
      );
      group.allowEgress(
        `${target.id}Endpoint`,
        { securityGroup: target.securityGroup },
        443,
        `${target.service} via its interface endpoint`,
      );
    }
    cidrs.forEach((cidr, i) => {
      target.securityGroup.allowIngress(
        `Operator${i}`,
        { cidr },
        443,
        `HTTPS to ${target.service} from operator network ${cidr} (network.operatorAccess.cidrs)`,
      );
    });
  }

  get publicSubnetIds(): string[] {
    return this.publicSubnets.map((s) => s.id);
  }

  get privateSubnetIds(): string[] {
    return this.privateSubnets.map((s) => s.id);
  }
}

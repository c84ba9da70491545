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
import { Construct } from "constructs";
import type { Naming } from "../../config/naming";
import { PipelineSecurityGroup } from "./pipeline-security-group";

export interface PipelineNetworkProps {
  /** Name tags and endpoint security-group names. */
  readonly names: Pick<Naming, "networkResource" | "interfaceEndpointSecurityGroup">;
  readonly region: string;
  /** IPv4 CIDR of the VPC. */
  readonly vpcCidr: string;
  /** One public subnet per entry, in this order; the construct ids use the zone so addresses stay stable. */
  readonly publicSubnets: readonly { readonly availabilityZone: string; readonly cidr: string }[];
  /** Private subnets (no route to the internet unless `natGateway`); none for a public-only layout. */
  readonly privateSubnets: readonly { readonly availabilityZone: string; readonly cidr: string }[];
  /** A NAT gateway (in the first public subnet) as the private subnets' default route. */
  readonly natGateway: boolean;
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

    this.publicSubnets = props.publicSubnets.map(({ availabilityZone, cidr }) => {
      const subnet = new Subnet(this, `PublicSubnet-${availabilityZone}`, {
        vpcId: this.vpc.id,
        availabilityZone,
        cidrBlock: cidr,
        // Nothing here needs an automatic public IP: a public RDS gets its own address from RDS.
        mapPublicIpOnLaunch: false,
        tags: nameTag(`public-${availabilityZone}`),
      });
      new RouteTableAssociation(this, `PublicSubnetRoutes-${availabilityZone}`, {
        subnetId: subnet.id,
        routeTableId: this.publicRouteTable.id,
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
    this.privateSubnets = privateSubnets.map(({ availabilityZone, cidr }) => {
      const subnet = new Subnet(this, `PrivateSubnet-${availabilityZone}`, {
        vpcId: this.vpc.id,
        availabilityZone,
        cidrBlock: cidr,
        mapPublicIpOnLaunch: false,
        tags: nameTag(`private-${availabilityZone}`),
      });
      new RouteTableAssociation(this, `PrivateSubnetRoutes-${availabilityZone}`, {
        subnetId: subnet.id,
        routeTableId: privateRouteTable?.id as string,
      });
      return subnet;
    });
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
   * A private (interface) endpoint for an AWS API, with private DNS so clients need no special endpoint
   * configuration, reachable on 443 from `clients` only.
   */
  addInterfaceEndpoint(
    id: string,
    service: string,
    clients: PipelineSecurityGroup,
    subnetIds: string[],
  ): { endpoint: VpcEndpoint; securityGroup: PipelineSecurityGroup } {
    const securityGroup = new PipelineSecurityGroup(this, `${id}EndpointSecurityGroup`, {
      name: this.names.interfaceEndpointSecurityGroup(service),
      description: `Interface endpoint for ${service}: HTTPS from its clients only`,
      vpcId: this.vpc.id,
    });
    securityGroup.allowIngress("Clients", { securityGroup: clients }, 443, `HTTPS to ${service}`);
    const endpoint = new VpcEndpoint(this, `${id}Endpoint`, {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${this.region}.${service}`,
      vpcEndpointType: "Interface",
      privateDnsEnabled: true,
      subnetIds,
      securityGroupIds: [securityGroup.id],
      tags: { Name: this.names.networkResource(service) },
    });
    return { endpoint, securityGroup };
  }

  get publicSubnetIds(): string[] {
    return this.publicSubnets.map((s) => s.id);
  }

  get privateSubnetIds(): string[] {
    return this.privateSubnets.map((s) => s.id);
  }
}

import { z } from "zod";
import { parseCidr } from "../cidr";
import { addProblem, cidrBlock, distinct } from "../fields";

/** A subnet: AWS allows /16 (65,536 addresses) to /28 (16, of which AWS keeps 5). */
const subnetCidr = cidrBlock.refine((text) => {
  const prefix = parseCidr(text)?.prefixLength;
  return prefix === undefined || (prefix >= 16 && prefix <= 28);
}, "expected a subnet from /16 to /28 (AWS's subnet sizes)");

/** Operator networks wider than this are refused: a /8 is 16.7 million addresses. */
const WIDEST_OPERATOR_PREFIX = 8;

const OperatorAccessSchema = z
  .strictObject({
    securityGroup: z
      .boolean()
      .default(false)
      .describe(
        "Create the security group <project>-<environment>-operators. Its members (a CI runner, a bastion: add " +
          "the group to them) reach PostgreSQL on its port and every interface endpoint of the VPC (Secrets " +
          "Manager, and the Session Manager ones) on 443. The group's own egress allows exactly that, plus S3 " +
          "through the gateway endpoint (Terraform state).",
      ),
    cidrs: distinct(cidrBlock, "CIDR")
      .default([])
      .describe(
        "Operator networks inside the VPC or connected to it (VPN, peering, transit gateway), admitted to " +
          `PostgreSQL and to every interface endpoint, e.g. a runner subnet. At most /${WIDEST_OPERATOR_PREFIX} wide.`,
      ),
    sessionManager: z
      .boolean()
      .default(false)
      .describe(
        "Interface endpoints for ssm, ssmmessages and ec2messages, so an instance in the operator group (or the " +
          "operator CIDRs) runs the SSM agent without a NAT gateway: Session Manager port forwarding to PostgreSQL " +
          "from a laptop (database.connectThrough). About $0.01/h per endpoint and zone.",
      ),
  })
  .superRefine((access, ctx) => {
    access.cidrs.forEach((text, i) => {
      const prefix = parseCidr(text)?.prefixLength;
      if (prefix !== undefined && prefix < WIDEST_OPERATOR_PREFIX) {
        addProblem(
          ctx,
          ["cidrs", i],
          `got "${text}"; expected an operator network of at most /${WIDEST_OPERATOR_PREFIX}, such as a runner subnet or VPN range`,
        );
      }
    });
    if (access.sessionManager && !access.securityGroup && access.cidrs.length === 0) {
      addProblem(
        ctx,
        ["sessionManager"],
        "got true with no operator source; expected securityGroup: true (put the Session Manager instance in it) or operator cidrs",
      );
    }
  })
  .prefault({})
  .describe(
    "The operator's way in to a private pipeline, for applying the database stack: nothing is opened unless " +
      "declared here. Interface endpoints answer for the whole VPC (private DNS), so a runner inside the VPC " +
      "reaches Secrets Manager only if admitted here.",
  );

export const NetworkSchema = z
  .strictObject({
    vpcCidr: cidrBlock.default("10.0.0.0/16").describe("IPv4 CIDR of the VPC, /16 to /24."),
    availabilityZoneIds: z
      .array(z.string())
      .min(2, "expected at least 2 availability zones (RDS subnet groups and MSK need two)")
      .max(3, "expected at most 3 availability zones (MSK spreads brokers over 2 or 3)")
      .optional()
      .describe(
        "Availability zones by ID, 2 or 3, e.g. [use1-az1, use1-az2, use1-az4]: an ID is the same zone in every " +
          "account (a name such as us-east-1a is not), and zones Amazon MSK refuses (use1-az3) are refused here. " +
          "Recommended over availabilityZones. List your account's with `aws ec2 describe-availability-zones " +
          "--query 'AvailabilityZones[].[ZoneName,ZoneId]'`. Default: none (zones by name, availabilityZones).",
      ),
    availabilityZones: z
      .array(z.string())
      .min(2, "expected at least 2 availability zones (RDS subnet groups and MSK need two)")
      .max(3, "expected at most 3 availability zones (MSK spreads brokers over 2 or 3)")
      .optional()
      .describe(
        "Availability zones by name, 2 or 3, in the pipeline's region: kept for existing configs; prefer " +
          "availabilityZoneIds. A name maps to a different zone in each account and cannot be checked offline, so " +
          "the MSK cluster checks its subnets' zone IDs when it is applied. Given in config (not looked up) so " +
          "plans run offline. Default: <region>a, <region>b, <region>c, unless availabilityZoneIds is set.",
      ),
    previousAvailabilityZones: z
      .array(z.string())
      .optional()
      .describe(
        "When a deployed pipeline moves from availabilityZones to availabilityZoneIds: the names it used, in the " +
          "order of availabilityZoneIds (each name's ID, from the command above). Its subnets keep their Terraform " +
          "state (moved blocks) instead of being replaced. Default: none (a new pipeline).",
      ),
    publicSubnetCidrs: z
      .array(subnetCidr)
      .optional()
      .describe(
        "One public subnet CIDR per availability zone, in the same order. Default: derived from vpcCidr " +
          "(a /16 gives 10.0.0.0/24, 10.0.1.0/24, 10.0.2.0/24).",
      ),
    workloadSubnets: z
      .enum(["private", "public"])
      .default("private")
      .describe(
        "Where RDS, MSK and MSK Connect run. private: subnets with no route to the internet (AWS APIs through " +
          "VPC endpoints); public: the seed's layout, needed for a publicly accessible RDS.",
      ),
    privateSubnetCidrs: z
      .array(subnetCidr)
      .optional()
      .describe(
        "One private subnet CIDR per availability zone, when workloadSubnets is private. Default: derived from " +
          "vpcCidr after the public ones (a /16 gives 10.0.10.0/24, 10.0.11.0/24, 10.0.12.0/24).",
      ),
    natGateway: z
      .boolean()
      .default(false)
      .describe(
        "Give the private subnets a NAT gateway to the internet. Nothing in the pipeline needs one: S3 and " +
          "Secrets Manager are reached through VPC endpoints.",
      ),
    flowLogs: z
      .boolean()
      .default(true)
      .describe("Record the VPC's traffic in CloudWatch Logs (retention from logs.retentionDays)."),
    operatorAccess: OperatorAccessSchema,
  })
  .superRefine((network, ctx) => {
    const vpc = parseCidr(network.vpcCidr);
    if (vpc && (vpc.prefixLength < 16 || vpc.prefixLength > 24)) {
      addProblem(ctx, ["vpcCidr"], `got "${network.vpcCidr}"; expected a prefix from /16 to /24`);
    }
  })
  .prefault({})
  .describe("The VPC and its subnets.");

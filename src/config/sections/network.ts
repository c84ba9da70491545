import { z } from "zod";
import { parseCidr } from "../cidr";
import { addProblem, cidrBlock } from "../fields";

/** A subnet: AWS allows /16 (65,536 addresses) to /28 (16, of which AWS keeps 5). */
const subnetCidr = cidrBlock.refine((text) => {
  const prefix = parseCidr(text)?.prefixLength;
  return prefix === undefined || (prefix >= 16 && prefix <= 28);
}, "expected a subnet from /16 to /28 (AWS's subnet sizes)");

export const NetworkSchema = z
  .strictObject({
    vpcCidr: cidrBlock.default("10.0.0.0/16").describe("IPv4 CIDR of the VPC, /16 to /24."),
    availabilityZones: z
      .array(z.string())
      .min(2, "expected at least 2 availability zones (RDS subnet groups and MSK need two)")
      .max(3, "expected at most 3 availability zones (MSK spreads brokers over 2 or 3)")
      .optional()
      .describe(
        "Availability zones, 2 or 3, in the pipeline's region. Given in config (not looked up) so plans run offline. " +
          "Default: <region>a, <region>b, <region>c.",
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
  })
  .superRefine((network, ctx) => {
    const vpc = parseCidr(network.vpcCidr);
    if (vpc && (vpc.prefixLength < 16 || vpc.prefixLength > 24)) {
      addProblem(ctx, ["vpcCidr"], `got "${network.vpcCidr}"; expected a prefix from /16 to /24`);
    }
  })
  .prefault({})
  .describe("The VPC and its subnets.");

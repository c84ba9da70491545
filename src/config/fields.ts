/**
 * Field shapes shared by several config sections, and the limits of the services that receive them.
 */
import { z } from "zod";
import { cidrContains, formatCidr, isNetworkAddress, parseCidr, parseCidrLenient } from "./cidr";

/** RDS PostgreSQL majors with logical replication through `rds.logical_replication` and a parameter family. */
export const SUPPORTED_POSTGRES_MAJORS = [13, 14, 15, 16, 17] as const;

/** The values CloudWatch Logs accepts for `retention_in_days`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Lowercase words joined by single hyphens: valid in every physical name this project derives. */
export const NAME_PART_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * An IPv4 CIDR block as AWS and Terraform accept it: canonical digits (no leading zeros, which some
 * parsers read as octal and Terraform's cidrhost refuses) and no host bits (`terraform validate` fails on
 * `10.0.1.0/16` in a VPC, subnet or security-group rule).
 */
export const cidrBlock = z.string().superRefine((text, ctx) => {
  const strict = parseCidr(text);
  if (strict && isNetworkAddress(strict)) return;
  const lenient = strict ?? parseCidrLenient(text);
  const message = !lenient
    ? "expected an IPv4 CIDR block such as 10.0.0.0/16"
    : !strict
      ? `expected ${formatCidr(lenient)}: write it without leading zeros (AWS and Terraform do not read them as you may think)`
      : `expected a network address such as ${formatCidr({ ...lenient, network: networkOf(lenient) })}: the address has bits set past /${lenient.prefixLength}, which AWS and Terraform refuse`;
  ctx.addIssue({ code: "custom", message, input: text });
});

function networkOf(c: { network: number; prefixLength: number }): number {
  return c.network - (c.network % 2 ** (32 - c.prefixLength));
}

/** Signed 32-bit: Kafka Connect's INT settings, and the bound of most AWS integer fields. */
export const INT32_MAX = 2_147_483_647;

/** An integer that Java's `int` (Kafka Connect) and AWS's integer fields can hold. */
export const int32 = () =>
  z.number().int().max(INT32_MAX, `expected at most ${INT32_MAX} (a 32-bit integer)`);

/**
 * Regions of the AWS partitions the AWS provider 5.100 knows (aws, aws-us-gov, aws-cn), as of 2026.
 * A typo would otherwise pass (zones are derived from the region) and fail only at plan or apply.
 * @see https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 */
export const AWS_REGIONS = [
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "cn-north-1",
  "cn-northwest-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-gov-east-1",
  "us-gov-west-1",
  "us-west-1",
  "us-west-2",
] as const;

export const awsRegion = z.string().superRefine((region, ctx) => {
  if ((AWS_REGIONS as readonly string[]).includes(region)) return;
  const near = AWS_REGIONS.map((r) => ({ r, d: editDistance(region, r) })).sort((a, b) => a.d - b.d)[0];
  const hint = near && near.d <= 2 ? ` (did you mean ${near.r}?)` : "";
  ctx.addIssue({
    code: "custom",
    message: `expected an AWS region such as us-east-1${hint}`,
    input: region,
  });
});

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

/**
 * A general-purpose S3 bucket name, by S3's rules: 3 to 63 characters of lowercase letters, digits, dots
 * and hyphens, beginning and ending with a letter or digit, no "..", not shaped like an IP address, and
 * none of the prefixes and suffixes S3 reserves.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export const s3BucketName = z.string().superRefine((name, ctx) => {
  const problem = (() => {
    if (name.length < 3 || name.length > 63) return "3 to 63 characters";
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
      return "lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit";
    if (name.includes("..")) return "no two adjacent periods";
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "a name not formatted as an IP address";
    const prefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => name.startsWith(p));
    if (prefix) return `a name not starting with "${prefix}" (reserved by S3)`;
    const suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((p) => name.endsWith(p));
    if (suffix) return `a name not ending with "${suffix}" (reserved by S3)`;
    return undefined;
  })();
  if (problem)
    ctx.addIssue({ code: "custom", message: `expected an S3 bucket name: ${problem}`, input: name });
});

export const namePart = (what: string) =>
  z.string().regex(NAME_PART_PATTERN, `expected lowercase letters, digits and single hyphens (${what})`);

/** A list whose items must be distinct (AWS refuses duplicate rules, exports, zones). */
export function distinct<T extends z.ZodType>(item: T, what: string) {
  return z.array(item).superRefine((list, ctx) => {
    list.forEach((value, i) => {
      if (list.indexOf(value) !== i) {
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `expected each ${what} once (it is also item ${list.indexOf(value)})`,
          input: value,
        });
      }
    });
  });
}

/** Adds an issue at `path` (relative to the checked object); the message is the whole "got X; expected Y". */
export function addProblem(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: "custom", path, message, input: undefined });
}

/**
 * The prefix of a region's availability zone IDs (`use1` in `use1-az4`): the region's parts shortened,
 * `us-east-1` to `use1`, `ap-northeast-2` to `apne2`, `us-gov-west-1` to `usgw1`. Undefined for a string
 * that is not shaped like a region (the region's own check reports it).
 * @see https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
 */
export function availabilityZoneIdPrefix(region: string): string | undefined {
  const parts = region.split("-");
  const number = parts.at(-1) ?? "";
  const short: Record<string, string> = {
    north: "n",
    south: "s",
    east: "e",
    west: "w",
    central: "c",
    northeast: "ne",
    northwest: "nw",
    southeast: "se",
    southwest: "sw",
    gov: "g",
  };
  const middle = parts.slice(1, -1).map((p) => short[p]);
  if (parts.length < 3 || !/^[a-z]{2}$/.test(parts[0] ?? "") || !/^\d+$/.test(number)) return undefined;
  if (middle.some((m) => m === undefined)) return undefined;
  return `${parts[0]}${middle.join("")}${number}`;
}

/**
 * Availability zone IDs where Amazon MSK refuses client subnets, and why, in AWS's words. An ID is the
 * same physical zone in every account; a name (us-east-1a) is not, which is why zones are best given by ID.
 * @see https://docs.aws.amazon.com/msk/1.0/apireference/clusters.html#clusters-model-brokernodegroupinfo
 */
export const MSK_UNSUPPORTED_ZONE_IDS: Readonly<Record<string, string>> = {
  "use1-az3": "Amazon MSK: client subnets can't occupy the Availability Zone with ID use1-az3",
};

/**
 * Networks reserved for documentation (RFC 5737): an address from them is an example, never an operator's
 * own, so a security group that admits only such an address admits nobody.
 * @see https://www.rfc-editor.org/rfc/rfc5737
 */
export const DOCUMENTATION_NETWORKS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] as const;

/** The entries of `cidrs` that lie inside a documentation network (RFC 5737). */
export function documentationCidrs(cidrs: readonly string[]): string[] {
  const networks = DOCUMENTATION_NETWORKS.map((n) => parseCidr(n)).filter((n) => n !== undefined);
  return cidrs.filter((text) => {
    const cidr = parseCidr(text);
    return cidr !== undefined && networks.some((n) => cidrContains(n, cidr));
  });
}

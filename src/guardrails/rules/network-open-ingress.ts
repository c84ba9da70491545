import {
  type Cidr,
  describeCount,
  describeRanges,
  type Exposure,
  exposure,
  NON_PUBLIC,
  readCidr,
} from "../ip-ranges";
import { isExpression, type Json, type Rule, type StackView, type TerraformBlock } from "../rule";

/** At most this many public IPv4 addresses (one /24: an office, a VPN egress pool) per security group. */
export const MAX_PUBLIC_IPV4 = 256n;
/** At most one /64 (one IPv6 subnet, what a single LAN is given) of public IPv6 per security group. */
export const MAX_PUBLIC_IPV6 = 1n << 64n;
/** Public ranges a finding names before "and N more". */
const SHOWN_RANGES = 4;

/**
 * The VPC's own address space, computed by Terraform: traffic from it is inside the VPC, not from the
 * internet, so it is not judged (`${aws_vpc.Network.cidr_block}`, a subnet's, their IPv6 blocks).
 */
const OWN_ADDRESS_SPACE =
  /^\$\{(data\.)?aws_(default_)?(vpc|subnet)\.[A-Za-z0-9_-]+\.(cidr_block|ipv6_cidr_block)\}$/;

/** Security groups with inline ingress blocks, and that standalone rules may name. */
const GROUP_TYPES = ["aws_security_group", "aws_default_security_group"];

/** Everything a security group's ingress rules admit, as far as the JSON says. */
interface Admitted {
  readonly cidrs: Cidr[];
  /** Values that are not a literal range: computed by Terraform, or not an IP range at all. */
  readonly unjudged: string[];
}

/** The group a standalone rule belongs to, when it is a resource of this stack. */
function groupOf(rule: TerraformBlock, view: StackView): TerraformBlock | undefined {
  const id = rule.config.security_group_id;
  if (typeof id !== "string") return undefined;
  // `${aws_security_group.Name.id}`, not `${data.aws_security_group.Name.id}`.
  const refs = new Set(
    [...id.matchAll(/(?:^|[^\w.])(aws_(?:default_)?security_group)\.([\w-]+)\./g)].map(
      (m) => `${m[1]}.${m[2]}`,
    ),
  );
  return GROUP_TYPES.flatMap((t) => view.ofType(t)).find((g) => refs.has(`${g.type}.${g.name}`));
}

/** A CIDR argument: a string, a list of strings, or a whole list computed by Terraform. */
function values(argument: unknown): string[] {
  if (argument === undefined || argument === null) return [];
  if (Array.isArray(argument)) return argument.flatMap(values);
  return [typeof argument === "string" ? argument : JSON.stringify(argument)];
}

/** The CIDR values of one ingress source, by the argument names each resource type uses. */
function cidrArguments(config: Json, type: string): string[] {
  if (type === "aws_vpc_security_group_ingress_rule") {
    return [...values(config.cidr_ipv4), ...values(config.cidr_ipv6)];
  }
  // aws_security_group_rule and inline ingress blocks of aws_security_group.
  return [...values(config.cidr_blocks), ...values(config.ipv6_cidr_blocks)];
}

function isIngressRule(block: TerraformBlock): boolean {
  if (block.type === "aws_vpc_security_group_ingress_rule") return true;
  // A type Terraform computes might be ingress: judged as if it were.
  return block.type === "aws_security_group_rule" && block.config.type !== "egress";
}

/** The CIDR values admitted into `group`: inline ingress blocks and standalone rules naming it. */
function groupValues(group: TerraformBlock, view: StackView): string[] {
  const inline: unknown = group.config.ingress;
  const inlineValues = Array.isArray(inline)
    ? inline.flatMap((r: unknown) =>
        r !== null && typeof r === "object" ? cidrArguments(r as Json, "aws_security_group") : values(r),
      )
    : values(inline); // A dynamic ingress list computed by Terraform.
  const standalone = standaloneRules(view)
    .filter((r) => groupOf(r, view) === group)
    .flatMap((r) => cidrArguments(r.config, r.type));
  return [...inlineValues, ...standalone];
}

function standaloneRules(view: StackView): TerraformBlock[] {
  return [
    ...view.ofType("aws_vpc_security_group_ingress_rule"),
    ...view.ofType("aws_security_group_rule"),
  ].filter(isIngressRule);
}

/** A key for a group that is not a resource of this stack: the rules' security_group_id as written. */
const foreignKey = (rule: TerraformBlock) => JSON.stringify(rule.config.security_group_id ?? null);

function admitted(texts: readonly string[]): Admitted {
  const cidrs: Cidr[] = [];
  const unjudged: string[] = [];
  for (const text of texts) {
    if (isExpression(text)) {
      if (!OWN_ADDRESS_SPACE.test(text.trim())) unjudged.push(text);
      continue;
    }
    const readings = readCidr(text);
    if (readings) cidrs.push(...readings);
    else unjudged.push(text);
  }
  return { cidrs, unjudged };
}

interface Judgement {
  readonly group: string;
  readonly v4: Exposure;
  readonly v6: Exposure;
  readonly unjudged: readonly string[];
  readonly open: boolean;
}

function judge(group: string, texts: readonly string[]): Judgement {
  const a = admitted(texts);
  const v4 = exposure(4, a.cidrs);
  const v6 = exposure(6, a.cidrs);
  const open = v4.publicCount > MAX_PUBLIC_IPV4 || v6.publicCount > MAX_PUBLIC_IPV6 || a.unjudged.length > 0;
  return { group, v4, v6, unjudged: a.unjudged, open };
}

/** The judgement a block carries, if any: a group of this stack, or a rule of a group defined elsewhere. */
function judgementFor(block: TerraformBlock, view: StackView): Judgement | undefined {
  if (GROUP_TYPES.includes(block.type)) {
    const name = typeof block.config.name === "string" ? block.config.name : block.path;
    return judge(name, groupValues(block, view));
  }
  if (!isIngressRule(block) || groupOf(block, view)) return undefined;
  // A group defined elsewhere (an id, a data source, another stack): its rules in this stack, together.
  const own = admitted(cidrArguments(block.config, block.type));
  const contributes =
    own.unjudged.length > 0 ||
    exposure(4, own.cidrs).publicCount > 0n ||
    exposure(6, own.cidrs).publicCount > 0n;
  if (!contributes) return judge(foreignKey(block), []);
  const siblings = standaloneRules(view).filter(
    (r) => !groupOf(r, view) && foreignKey(r) === foreignKey(block),
  );
  const id = block.config.security_group_id;
  return judge(
    typeof id === "string" ? id : "(no security_group_id)",
    siblings.flatMap((r) => cidrArguments(r.config, r.type)),
  );
}

function explain(j: Judgement): string {
  const parts: string[] = [];
  for (const [e, limit] of [
    [j.v4, `at most ${MAX_PUBLIC_IPV4}`],
    [j.v6, "at most one /64"],
  ] as const) {
    if (e.publicCount <= (e.family === 4 ? MAX_PUBLIC_IPV4 : MAX_PUBLIC_IPV6)) continue;
    const all = describeRanges(e.admitted, SHOWN_RANGES);
    const largest = describeRanges(e.public, SHOWN_RANGES, true);
    parts.push(
      `${all}: ${describeCount(e.publicCount)} public IPv${e.family} addresses (${limit})` +
        (largest === all ? "" : `, the largest ${largest}`),
    );
  }
  if (j.unjudged.length > 0) {
    const shown = j.unjudged.slice(0, SHOWN_RANGES).map((t) => JSON.stringify(t));
    const more = j.unjudged.length > SHOWN_RANGES ? ` and ${j.unjudged.length - SHOWN_RANGES} more` : "";
    parts.push(`ranges it cannot judge at synth (computed, or not an IP range): ${shown.join(", ")}${more}`);
  }
  return `Security group ${j.group} admits ${parts.join("; and ")}.`;
}

export const NetworkOpenIngress: Rule = {
  id: "CDC-NET1",
  level: "error",
  cause:
    "A security group's ingress rules together admit more than a /24's worth of public IPv4 addresses " +
    "(256) or more than a /64 of public IPv6, or a range that cannot be judged at synth.",
  why:
    "Databases, brokers and endpoints of a CDC pipeline have no business being reachable from the internet; " +
    "0.0.0.0/1 and 128.0.0.0/1, or a few dozen /8 blocks, open them as surely as 0.0.0.0/0.",
  fix:
    "Admit the operator's own network (database.allowedCidrs: [<your IP>/32], a /24 at most in all) or " +
    "peers' security groups, with ranges written literally.",
  details: [
    "Judged per security group, on the union of every range its ingress rules admit, whatever form the JSON",
    "uses: `cidr_ipv4`/`cidr_ipv6` of `aws_vpc_security_group_ingress_rule`, `cidr_blocks`/`ipv6_cidr_blocks`",
    "of inline `ingress` blocks (`aws_security_group`, `aws_default_security_group`) and of",
    "`aws_security_group_rule` (type ingress). The finding is on the group and names it, the ranges it",
    "admits (merged, canonical), how many public addresses that is, and the largest public blocks. Rules of",
    "a group defined elsewhere (an id, a data source) are judged together per `security_group_id`, the",
    "finding on each rule that adds public addresses. Ports and protocols are not considered: any port open",
    "to the internet counts.",
    "",
    "- **Reading a range** as AWS would store it, even where Terraform's provider would refuse the text at",
    "  plan: surrounding spaces are ignored; host bits are cleared (AWS canonicalizes 100.68.0.18/18 to",
    "  100.68.0.0/18, EC2 API reference); leading zeros are accepted in the prefix (`/00` is /0) and in IPv6",
    "  groups; an IPv4 octet with a leading zero is read both as decimal and as octal (inet_aton), and both",
    "  readings count, since AWS documents neither. A bare address is a /32 (/128).",
    "- **Public** is everything but these blocks, which nobody on the internet can send from:",
    `  ${[...NON_PUBLIC[4], ...NON_PUBLIC[6]].map((c) => `\`${c}\``).join(", ")}.`,
    "  Ranges are merged (overlapping and adjacent) before counting, so splitting a block changes nothing.",
    `- **Threshold**: more than ${MAX_PUBLIC_IPV4} public IPv4 addresses (a /24: the smallest block routed on the`,
    "  internet, and the most an operator's own site plausibly needs) or more than 2^64 public IPv6 addresses",
    "  (one /64, one LAN), in total per group. Below it, e.g. a /32 and a /28, the group passes.",
    "- **Values Terraform computes** (`${…}`) are not literal ranges. A reference to the VPC's or a subnet's",
    "  own `cidr_block`/`ipv6_cidr_block` is the VPC's address space and is not judged; any other computed",
    "  value, and any literal that is not an IP range, is a finding: it cannot be shown closed at synth.",
    "  Security-group references (`referenced_security_group_id`, `source_security_group_id`, `self`) are",
    "  not ranges, and prefix lists (`prefix_list_id`, `prefix_list_ids`) are not judged.",
  ].join("\n"),
  appliesTo: [...GROUP_TYPES, "aws_vpc_security_group_ingress_rule", "aws_security_group_rule"],
  check: (block, view) => {
    const j = judgementFor(block, view);
    if (!j) return "not-applicable";
    return j.open ? "non-compliant" : "compliant";
  },
  explain: (block, view) => {
    const j = judgementFor(block, view);
    return j?.open ? explain(j) : undefined;
  },
};

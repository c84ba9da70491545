import type { Rule } from "../rule";

const OPEN = new Set(["0.0.0.0/0", "::/0"]);

export const NetworkOpenIngress: Rule = {
  id: "CDC-NET1",
  level: "error",
  cause: "A security group admits traffic from the whole internet (0.0.0.0/0 or ::/0).",
  why: "Databases, brokers and endpoints of a CDC pipeline have no business being reachable from anywhere.",
  fix: "Admit the operator's own network (database.allowedCidrs: [<your IP>/32]) or peers' security groups.",
  appliesTo: ["aws_vpc_security_group_ingress_rule", "aws_security_group"],
  check: (b) => {
    if (b.type === "aws_vpc_security_group_ingress_rule") {
      return OPEN.has(b.config.cidr_ipv4) || OPEN.has(b.config.cidr_ipv6) ? "non-compliant" : "compliant";
    }
    const inline: { cidr_blocks?: string[]; ipv6_cidr_blocks?: string[] }[] = b.config.ingress ?? [];
    return inline.some((r) =>
      [...(r.cidr_blocks ?? []), ...(r.ipv6_cidr_blocks ?? [])].some((c) => OPEN.has(c)),
    )
      ? "non-compliant"
      : "compliant";
  },
};

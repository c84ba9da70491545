import type { Rule } from "../rule";

interface Statement {
  effect?: string;
  actions?: string[];
  resources?: string[];
}

export const IamWildcards: Rule = {
  id: "CDC-IAM1",
  level: "error",
  cause: "An IAM policy allows every action (*) or every resource (*).",
  why: "Connector roles must reach only their cluster, topics, bucket prefix and secret; a wildcard grants the whole account.",
  fix: "Name the actions and the resource ARNs (KafkaActions and KafkaClusterArns give both for MSK).",
  appliesTo: ["aws_iam_policy_document"],
  check: (b) => {
    const allows: Statement[] = (b.config.statement ?? []).filter(
      (s: Statement) => (s.effect ?? "Allow") === "Allow",
    );
    return allows.some((s) => (s.actions ?? []).includes("*") || (s.resources ?? []).includes("*"))
      ? "non-compliant"
      : "compliant";
  },
};

import type { Rule } from "../rule";

function property(serverProperties: string, key: string): number {
  const line = serverProperties.split("\n").find((l) => l.trim().startsWith(`${key}=`));
  return line ? Number(line.split("=")[1]) : Number.NaN;
}

export const MskReplication: Rule = {
  id: "CDC-MSK3",
  level: "warning",
  cause: "MSK topics are not created with replication factor 3 and min.insync.replicas 2.",
  why: "With fewer replicas, losing one broker loses acknowledged change events or stops the producers.",
  fix: "Run 3 brokers (or a multiple of 3 AZs): the pipeline then sets default.replication.factor=3 and min.insync.replicas=2.",
  appliesTo: ["aws_msk_configuration"],
  check: (b) => {
    const props = String(b.config.server_properties ?? "");
    return property(props, "default.replication.factor") >= 3 && property(props, "min.insync.replicas") >= 2
      ? "compliant"
      : "non-compliant";
  },
};

import { type Rule, referenceTo } from "../rule";

export const NetworkFlowLogs: Rule = {
  id: "CDC-NET2",
  level: "warning",
  cause: "The VPC has no flow logs.",
  why: "Without flow logs there is no record of who talked to the database and the brokers.",
  fix: "Set network.flowLogs: true.",
  appliesTo: ["aws_vpc"],
  check: (b, stack) =>
    stack.ofType("aws_flow_log").some((f) => f.config.vpc_id === referenceTo(b, "id"))
      ? "compliant"
      : "non-compliant",
};

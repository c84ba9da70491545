import { type Rule, referenceTo } from "../rule";

export const MskStorageAutoscaling: Rule = {
  id: "CDC-MSK2",
  level: "warning",
  cause: "The MSK brokers' storage does not scale automatically.",
  why: "A broker whose disk fills stops accepting change events, and the source then pins WAL in PostgreSQL.",
  fix: "Set streaming.maxBrokerVolumeGiB above streaming.brokerVolumeGiB.",
  appliesTo: ["aws_msk_cluster"],
  check: (b, stack) => {
    const targets = stack
      .ofType("aws_appautoscaling_target")
      .filter(
        (t) => t.config.resource_id === referenceTo(b, "arn") && t.config.service_namespace === "kafka",
      );
    // A target alone scales nothing: a policy must track it.
    const tracked = targets.some(
      (t) => stack.referenced(t, "aws_appautoscaling_policy", "resource_id").length > 0,
    );
    return tracked ? "compliant" : "non-compliant";
  },
};

import type { Rule } from "../rule";

export const MskConnectAuthAndTls: Rule = {
  id: "CDC-MSKC1",
  level: "error",
  cause: "An MSK Connect connector does not use IAM authentication and TLS to reach the cluster.",
  why: "MSK Connect defaults to NONE and PLAINTEXT: the connector would fail against an IAM cluster or send data in clear.",
  fix: 'Set kafka_cluster_client_authentication = "IAM" and kafka_cluster_encryption_in_transit = "TLS" (MskConnector does).',
  appliesTo: ["aws_mskconnect_connector"],
  check: (b) =>
    b.config.kafka_cluster_client_authentication?.authentication_type === "IAM" &&
    b.config.kafka_cluster_encryption_in_transit?.encryption_type === "TLS"
      ? "compliant"
      : "non-compliant",
};

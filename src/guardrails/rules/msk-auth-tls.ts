import type { Rule } from "../rule";

export const MskAuthAndTls: Rule = {
  id: "CDC-MSK1",
  level: "error",
  cause: "The MSK cluster accepts clients other than IAM-authenticated ones, or does not encrypt in transit.",
  why: "Unauthenticated or SCRAM listeners and plaintext traffic let anyone in the VPC read or forge change events.",
  fix: "client_authentication: IAM only (unauthenticated = false, no SCRAM); encryption_in_transit: TLS, in-cluster true.",
  appliesTo: ["aws_msk_cluster"],
  check: (b) => {
    const auth = b.config.client_authentication ?? {};
    const transit = b.config.encryption_info?.encryption_in_transit ?? {};
    const iamOnly =
      auth.sasl?.iam === true && auth.sasl?.scram !== true && auth.unauthenticated === false && !auth.tls;
    const tls = transit.client_broker === "TLS" && transit.in_cluster !== false;
    return iamOnly && tls ? "compliant" : "non-compliant";
  },
};

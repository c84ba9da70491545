import { isExpression, type Json, type Rule } from "../rule";

/** Keys that hold a secret value (not its ARN, version, length or a flag about it). */
const SECRET_KEY = /(^|[._-])(password|passwd|secret|token|private_key|secret_key|access_key)([._-]|$)/i;
const NOT_A_SECRET =
  /(_arn|_id|_version|_length|_name|_kms_key_id|_wo_version|^manage_|^secret_id$|^secret_string_wo_version$)/i;

function literalSecrets(value: unknown, key = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => literalSecrets(v, key));
  if (value && typeof value === "object") {
    return Object.entries(value as Json).flatMap(([k, v]) => (k === "//" ? [] : literalSecrets(v, k)));
  }
  const literal = typeof value === "string" && value !== "" && !isExpression(value);
  return literal && SECRET_KEY.test(key) && !NOT_A_SECRET.test(key) ? [key] : [];
}

export const LiteralSecret: Rule = {
  id: "CDC-SEC1",
  level: "error",
  cause: "A password, secret or token is written as a literal value.",
  why: "A literal lands in the JSON, the plan and the state, in clear; secrets must come from Secrets Manager.",
  fix: "Reference the secret: manage_master_user_password, *_wo arguments fed by ephemeral resources, or ${secretsmanager:…} in connector configurations.",
  appliesTo: ["*"],
  check: (b) => (literalSecrets(b.config).length > 0 ? "non-compliant" : "compliant"),
};

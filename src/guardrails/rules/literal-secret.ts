import { isExpression, type Json, type Rule } from "../rule";

/** Keys that hold a secret value (not its ARN, name, version, length or a flag about it). */
const SECRET_KEY =
  /(^|[._-])(password|passwd|sslpassword|secret|token|private_key|secret_key|access_key|api_key|jaas|user\.info)([._-]|$)/i;
const NOT_A_SECRET =
  /(_arn|_id|_ids|_version|_length|_name|_ttl|_kms_key_id|\.name|^manage_|^secret_id$|^secret_string_wo_version$)$|^manage_/i;
/** Where a computed value may legitimately come from: ephemeral values, Secrets Manager references. */
const SAFE_SOURCE = /ephemeral\.|\$\$\{secretsmanager:|data\.aws_secretsmanager_/;
/** A literal assigned to a secret-looking key inside an expression: `password = "hunter2"`. */
const LITERAL_IN_EXPRESSION = /"?(password|secret|token)"?\s*=\s*\\?"[^"$\\]+\\?"/i;
/** A `key=value` line (worker properties) whose key names a secret and whose value is not a reference. */
const PROPERTY_LINE = /^\s*([\w.-]+)\s*=\s*(.+)$/;

function leakedIn(value: string, key: string): boolean {
  if (key === "properties_file_content") {
    return value.split("\n").some((line) => {
      const m = PROPERTY_LINE.exec(line);
      return (
        !!m && SECRET_KEY.test(m[1] ?? "") && !NOT_A_SECRET.test(m[1] ?? "") && !(m[2] ?? "").includes("${")
      );
    });
  }
  if (!SECRET_KEY.test(key) || NOT_A_SECRET.test(key) || value === "") return false;
  if (!isExpression(value)) return true;
  return LITERAL_IN_EXPRESSION.test(value) && !SAFE_SOURCE.test(value.replace(LITERAL_IN_EXPRESSION, ""));
}

/** Whether any string of `value` is a literal secret (by its key), stopping at the first. */
function hasLiteralSecret(value: unknown, key = ""): boolean {
  if (Array.isArray(value)) {
    for (const v of value) if (hasLiteralSecret(v, key)) return true;
    return false;
  }
  if (value && typeof value === "object") {
    for (const k in value as Json) if (k !== "//" && hasLiteralSecret((value as Json)[k], k)) return true;
    return false;
  }
  return typeof value === "string" && leakedIn(value, key);
}

export const LiteralSecret: Rule = {
  id: "CDC-SEC1",
  level: "error",
  cause: "A password, secret or token is written as a literal value.",
  why: "A literal lands in the JSON, the plan and the state, in clear; secrets must come from Secrets Manager.",
  fix: "Reference the secret: manage_master_user_password, *_wo arguments fed by ephemeral resources, or ${secretsmanager:…} in connector configurations.",
  appliesTo: ["*"],
  check: (b) => (hasLiteralSecret(b.config) ? "non-compliant" : "compliant"),
};

/**
 * The script the database stack runs (with node, where Terraform runs) to turn the CDC password into
 * the statement that stores it: SQL-side text, like the .sql templates beside it.
 */

/**
 * Computes the SCRAM-SHA-256 verifier of CDC_PASSWORD for role CDC_ROLE (RFC 5802/7677, as libpq's
 * PQencryptPasswordConn and psql's \password do: random 16-byte salt, 4096 iterations) and prints the
 * ALTER ROLE statement that stores it. Runs with node (cdktf's own runtime) where Terraform runs; the
 * password is read from the environment, never from the command line. PostgreSQL stores a verifier as
 * given, so the password itself is in no statement the server receives, and so in no server log, even
 * when the statement fails (log_min_error_statement) or every statement is logged (log_statement = all).
 * A password outside printable ASCII would need SASLprep first: it is refused instead (the generated
 * ones are letters and digits).
 */
export const SCRAM_VERIFIER_SCRIPT = String.raw`const crypto = require("node:crypto");
const password = process.env.CDC_PASSWORD || "";
const role = process.env.CDC_ROLE || "";
if (!/^[ -~]+$/.test(password)) {
  console.error("CDC_PASSWORD: expected printable ASCII (set another password with psql's \\password)");
  process.exit(1);
}
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
  console.error("CDC_ROLE: expected a lowercase PostgreSQL identifier");
  process.exit(1);
}
const iterations = 4096;
const salt = crypto.randomBytes(16);
const salted = crypto.pbkdf2Sync(password, salt, iterations, 32, "sha256");
const hmac = (key, text) => crypto.createHmac("sha256", key).update(text).digest();
const storedKey = crypto.createHash("sha256").update(hmac(salted, "Client Key")).digest("base64");
const serverKey = hmac(salted, "Server Key").toString("base64");
const verifier = "SCRAM-SHA-256$" + iterations + ":" + salt.toString("base64") + "$" + storedKey + ":" + serverKey;
process.stdout.write('ALTER ROLE "' + role + '" PASSWORD \'' + verifier + "';\n");
`;

// Prints whether the Terraform test tier can run here, and with what (used by .ci/run).
import { execFileSync } from "node:child_process";
import { terraformTier } from "./lib/terraform-tools";

const tier = terraformTier();
if ("skipReason" in tier) {
  console.log(`terraform tier: WILL BE SKIPPED: ${tier.skipReason}`);
  process.exit(process.argv.includes("--require") ? 1 : 0);
}
const version = execFileSync(tier.terraform, ["version"], {
  encoding: "utf8",
  env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
}).split("\n")[0];
console.log(`terraform tier: will run (${version}; provider mirror ${tier.mirror})`);

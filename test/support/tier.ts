import { describe } from "vitest";
import { type TerraformTier, terraformTier } from "./terraform";

/**
 * `describe` for a tier that needs external tools: runs when they are there, otherwise skips with a
 * banner nobody can miss; REQUIRE_TERRAFORM_TIER=1 (set by .ci/run) turns the skip into a failure.
 */
export function describeWithTerraform(name: string, body: (tier: TerraformTier) => void): void {
  const tier = terraformTier();
  if ("skipReason" in tier) {
    if (process.env.REQUIRE_TERRAFORM_TIER === "1") {
      throw new Error(
        `terraform tier required (REQUIRE_TERRAFORM_TIER=1) but cannot run: ${tier.skipReason}`,
      );
    }
    console.warn(
      `\n${"!".repeat(72)}\n!! SKIPPED terraform tier "${name}": ${tier.skipReason}\n${"!".repeat(72)}\n`,
    );
    describe.skip(name, () => {});
    return;
  }
  describe(name, () => body(tier));
}

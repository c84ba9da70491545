import { describe } from "vitest";
import { findPostgresBin } from "./postgres";

/**
 * `describe` for the real-PostgreSQL tier: skipped with a banner when no server binaries exist;
 * REQUIRE_POSTGRES_TIER=1 (set by .ci/run) turns the skip into a failure.
 */
export function describeWithPostgres(name: string, body: (bin: string) => void): void {
  const bin = findPostgresBin();
  if (!bin) {
    const reason = "no PostgreSQL server binaries (apt-get install postgresql, or set PG_BIN)";
    if (process.env.REQUIRE_POSTGRES_TIER === "1")
      throw new Error(`PostgreSQL tier required but cannot run: ${reason}`);
    console.warn(`\n${"!".repeat(72)}\n!! SKIPPED PostgreSQL tier "${name}": ${reason}\n${"!".repeat(72)}\n`);
    describe.skip(name, () => {});
    return;
  }
  describe(name, () => body(bin));
}

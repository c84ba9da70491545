import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Terraform and PostgreSQL tiers spawn processes: give them room, but never hang CI.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: files run in parallel, two at a time.
    maxWorkers: 2,
    reporters: ["default"],
  },
});

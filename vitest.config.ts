// A plain object, not defineConfig(): the project is CommonJS (faster synth) and vitest/config is ESM-only.
export default {
  test: {
    include: ["test/**/*.test.ts"],
    // The Terraform and PostgreSQL tiers spawn processes: give them room, but never hang CI.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: two test files at a time.
    maxWorkers: 2,
  },
} satisfies import("vitest/config", { with: { "resolution-mode": "import" }}).ViteUserConfig;

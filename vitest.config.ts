// A plain object, not defineConfig(): the project is CommonJS (faster synth) and vitest/config is ESM-only.
export default {
  // `import text from "./x.sql"` (src/sql): the file's text, as esbuild's text loader gives the synth bundle.
  plugins: [
    {
      name: "sql-text",
      enforce: "pre" as const,
      transform(code: string, id: string) {
        if (!id.split("?", 1)[0]?.endsWith(".sql")) return undefined;
        return { code: `export default ${JSON.stringify(code)};\n`, map: null };
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // The Terraform and PostgreSQL tiers spawn processes: give them room, but never hang CI.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: two test files at a time.
    maxWorkers: 2,
  },
} satisfies import("vitest/config", { with: { "resolution-mode": "import" }}).ViteUserConfig;

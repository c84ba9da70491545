import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONNECTORS_README,
  PLUGIN_TABLE_END,
  PLUGIN_TABLE_START,
  renderPluginTable,
  withPluginTable,
} from "../../scripts/lib/connectors-readme";
import { lockForManifest, readLock } from "../../src/plugins/lock";
import { LOCK_FILE, loadManifest } from "../../src/plugins/manifest";

describe("connectors/README.md", () => {
  const readme = readFileSync(CONNECTORS_README, "utf8");
  const manifest = loadManifest();
  const table = renderPluginTable(manifest);

  it("has the plugin table generated from connectors/connectors.json (npm run docs)", () => {
    expect(readme).toContain(table);
    expect(withPluginTable(readme, table)).toBe(readme);
  });

  it("lists every plugin of the manifest with its zip, connector class and every source URL", () => {
    const rows = table.split("\n").filter((line) => line.startsWith("| `"));
    expect(rows).toHaveLength(manifest.plugins.length);
    for (const plugin of manifest.plugins) {
      const row = rows.find((r) => r.startsWith(`| \`${plugin.id}\``)) ?? "";
      expect(row).toContain(`\`${plugin.file}\``);
      expect(row).toContain(`\`${plugin.connectorClass}\``);
      for (const source of plugin.sources) expect(row).toContain(`](${source.url})`);
    }
  });

  it("shows each plugin zip's pin from connectors.lock.json, or that it is not recorded yet", () => {
    const lock = lockForManifest(manifest, {});
    const sink = manifest.plugins.find((p) => p.id === "s3-sink");
    const pinned = { ...lock, [sink?.file ?? ""]: { sha256: "ab".repeat(32), url: "https://example.test" } };
    const rows = renderPluginTable(manifest, pinned)
      .split("\n")
      .filter((line) => line.startsWith("| `"));
    expect(rows.find((r) => r.startsWith("| `s3-sink`"))).toMatch(/ \| `(ab){8}…` +\| /);
    expect(rows.find((r) => r.startsWith("| `debezium-postgres`"))).toMatch(
      / \| \*\*not recorded yet\*\* +\| /,
    );
    // The committed README shows the committed lock's pins.
    expect(table).toBe(renderPluginTable(manifest, readLock(LOCK_FILE)));
  });

  it("keeps exactly one pair of markers", () => {
    expect(readme.split(PLUGIN_TABLE_START)).toHaveLength(2);
    expect(readme.split(PLUGIN_TABLE_END)).toHaveLength(2);
    expect(() => withPluginTable("# no markers\n", table)).toThrow(/markers/);
  });

  it("is written as biome formats it (npm run lint passes on it)", () => {
    const biome = join("node_modules", ".bin", process.platform === "win32" ? "biome.cmd" : "biome");
    const formatted = execFileSync(biome, ["format", `--stdin-file-path=${CONNECTORS_README}`], {
      input: readme,
      encoding: "utf8",
    });
    expect(formatted).toBe(readme);
  });
});

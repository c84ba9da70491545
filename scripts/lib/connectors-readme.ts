/**
 * connectors/README.md's plugin table, generated from connectors/connectors.json and the pins of
 * connectors/connectors.lock.json (between markers) by `npm run docs`, so the README cannot list another
 * zip, version, source or pin than the ones synth uses.
 */
import { type ConnectorLock, pinOf, readLock } from "../../src/plugins/lock";
import { type ConnectorManifest, LOCK_FILE, loadManifest } from "../../src/plugins/manifest";

export const CONNECTORS_README = "connectors/README.md";
export const PLUGIN_TABLE_START =
  "<!-- connector-plugins:start (generated from connectors.json and connectors.lock.json by npm run docs) -->";
export const PLUGIN_TABLE_END = "<!-- connector-plugins:end -->";

const cell = (text: string) => text.replaceAll("|", "\\|");

/**
 * A Markdown table with its columns padded, as biome formats Markdown (connectors/README.md is not
 * excluded from `biome check`, unlike the other generated documents).
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const width = (text: string) => [...text].length;
  const widths = header.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => `${cells[i] ?? ""}${" ".repeat(w - width(cells[i] ?? ""))}`).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** A pin as the table shows it: its first 16 hex digits, or that it is not recorded yet. */
function pinCell(lock: ConnectorLock, file: string): string {
  const pin = pinOf(lock, file);
  return pin ? `\`${pin.slice(0, 16)}…\`` : "**not recorded yet**";
}

/** The table: one row per plugin, its zip and pin, connector class, and the downloads it is built from. */
export function renderPluginTable(
  manifest: ConnectorManifest = loadManifest(),
  lock: ConnectorLock = readLock(LOCK_FILE),
): string {
  const rows = manifest.plugins.map((plugin) => {
    const sources = plugin.sources.map(
      (s) => `[${s.jar.name} ${s.jar.version}](${s.url}) (${new URL(s.url).host})`,
    );
    const builtFrom =
      sources.length === 1 && plugin.sources[0]?.file === plugin.file
        ? `${sources[0]}, as published`
        : `${sources.join(" + ")}, merged into one zip`;
    return [
      `\`${plugin.id}\``,
      `\`${plugin.file}\``,
      pinCell(lock, plugin.file),
      cell(plugin.description),
      `\`${plugin.connectorClass}\``,
      cell(builtFrom),
    ];
  });
  return [
    PLUGIN_TABLE_START,
    ...markdownTable(["plugin", "plugin zip", "sha256 pin", "what", "connector class", "built from"], rows),
    PLUGIN_TABLE_END,
  ].join("\n");
}

/** `readme` with its plugin table replaced. */
export function withPluginTable(readme: string, table: string = renderPluginTable()): string {
  const start = readme.indexOf(PLUGIN_TABLE_START);
  const end = readme.indexOf(PLUGIN_TABLE_END);
  if (start < 0 || end < start) throw new Error(`${CONNECTORS_README} has no connector-plugins markers`);
  return readme.slice(0, start) + table + readme.slice(end + PLUGIN_TABLE_END.length);
}

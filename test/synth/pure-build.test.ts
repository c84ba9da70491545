import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildPipelineApp } from "../../src/app";
import { parseConfig } from "../../src/config/parse";
import type { PluginArtifact } from "../../src/plugins/inspect-plugin";

const SRC = resolve(__dirname, "../../src");

/** File-system calls made from a file under src/ while `watch.on` (every node:fs function is wrapped). */
const watch = vi.hoisted(() => ({ on: false, reads: [] as string[], src: "" }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<Record<string, unknown>>();
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(real)) {
    wrapped[name] =
      typeof value === "function" && /^[a-z]/.test(name)
        ? (...args: unknown[]) => {
            if (watch.on && callersInSrc().length > 0) watch.reads.push(`fs.${name}(${String(args[0])})`);
            return (value as (...a: unknown[]) => unknown)(...args);
          }
        : value;
  }
  return { ...wrapped, default: wrapped };
});

/** A whole pipeline config, written here: nothing is read from config/. */
const CONFIG = parseConfig(
  {
    project: "memory",
    environment: "test",
    region: "eu-west-1",
    database: { databaseName: "shop", multiAz: false },
    capture: { tables: [{ schema: "sales", table: "orders" }] },
  },
  "in-memory",
);

/** Plugin descriptions as the entry point would pass them, but made up: no zip exists anywhere. */
function plugin(id: string, sha: string): PluginArtifact {
  return {
    state: "ready",
    sha256: sha.repeat(64),
    terraformPath: `../../../connectors/${id}.zip`,
    spec: {
      id,
      description: `${id} (in memory)`,
      file: `${id}.zip`,
      connectorClass: "x.Y",
      sources: [{ file: `${id}.zip`, url: "https://example.test/x.zip", jar: { name: id, version: "1" } }],
    },
  };
}
const PLUGINS = [plugin("debezium-postgres", "a"), plugin("s3-sink", "b")];

/**
 * The direct caller of the watched function when it is a file under src/ (a read by cdktf, which our
 * code calls, is cdktf's: the App reads its own CDKTF_* variables).
 */
function callersInSrc(): string[] {
  const src = watch.src || resolve(__dirname, "../../src");
  const frames = (new Error().stack ?? "").split("\n").slice(1);
  const caller = frames.find((line) => !line.includes(__filename) && !line.includes("node:internal"));
  return caller?.includes(`${src}/`) ? [caller.trim()] : [];
}

describe("buildPipelineApp is pure", () => {
  const outdirs: string[] = [];
  afterEach(() => {
    for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reads no file and no environment variable while it builds", () => {
    const reads = watch.reads;
    watch.src = SRC;
    const realEnv = process.env;
    process.env = new Proxy(realEnv, {
      get(target, key) {
        if (typeof key === "string" && callersInSrc().length > 0) reads.push(`process.env.${key}`);
        return Reflect.get(target, key);
      },
    });
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-pure-"));
    outdirs.push(outdir);
    watch.on = true;
    try {
      buildPipelineApp(CONFIG, PLUGINS, { outdir });
    } finally {
      watch.on = false;
      process.env = realEnv;
    }
    expect(reads).toEqual([]);
  });

  it("synthesizes the in-memory config with the in-memory plugins", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-pure-"));
    outdirs.push(outdir);
    const { app } = buildPipelineApp(CONFIG, PLUGINS, { outdir });
    app.synth();
    const stack = (name: string) =>
      JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as Record<string, any>;
    expect(
      Object.keys(JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")).stacks).sort(),
    ).toEqual(["test-connectors", "test-database", "test-platform"]);
    const connectors = stack("test-connectors");
    const plugins = Object.values<Record<string, any>>(connectors.resource.aws_mskconnect_custom_plugin);
    expect(plugins.map((p) => p.name).sort()).toEqual([
      "memory-test-debezium-postgres-aaaaaaaa",
      "memory-test-s3-sink-bbbbbbbb",
    ]);
    const zips = Object.values<Record<string, any>>(connectors.resource.aws_s3_object);
    expect(zips.map((z) => z.source).sort()).toEqual([
      "../../../connectors/debezium-postgres.zip",
      "../../../connectors/s3-sink.zip",
    ]);
    const debezium = Object.values<Record<string, any>>(connectors.resource.aws_mskconnect_connector).find(
      (c) => c.name === "memory-test-debezium-source",
    );
    // The configured table, then the pipeline's canary in the default heartbeat schema.
    expect(debezium?.connector_configuration["table.include.list"]).toBe("sales.orders,cdc.cdc_lake_canary");
    expect(stack("test-platform").resource.aws_db_instance).toBeDefined();
  });

  it("refuses a suppression of a guardrail that does not exist, naming the field", () => {
    const config = {
      ...CONFIG,
      guardrails: {
        ...CONFIG.guardrails,
        suppressions: [{ rule: "CDC-RDS99", resources: ["**"], reason: "a reason long enough to pass" }],
      },
    };
    expect(() => buildPipelineApp(config, PLUGINS, { outdir: tmpdir() })).toThrow(
      /guardrails\.suppressions\.0\.rule: got "CDC-RDS99"; expected a guardrail of RULES\.md: CDC-RDS1, /,
    );
  });
});

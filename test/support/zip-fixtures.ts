/**
 * Fake connector zips, built with our own writeZip: the same layouts as the vendors' zips, with tiny
 * jars (each a real, valid zip holding a manifest) instead of megabytes of classes.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildPlugin, isSingleSourcePlugin } from "../../src/plugins/fetch";
import { type ConnectorLock, formatLock } from "../../src/plugins/lock";
import { type ConnectorManifest, loadManifest, type SourceSpec } from "../../src/plugins/manifest";
import { buildZip, writeZip, type ZipInput } from "../../src/plugins/zip";

/** A stand-in jar: a valid zip whose manifest names it, so each jar's bytes differ. */
export function fakeJar(name: string): Buffer {
  return buildZip(
    [
      {
        name: "META-INF/MANIFEST.MF",
        data: Buffer.from(`Manifest-Version: 1.0\nImplementation-Title: ${name}\n`),
      },
    ],
    { compress: true },
  );
}

function jars(folder: string, names: readonly string[]): ZipInput[] {
  return [
    { name: `${folder}/`, data: Buffer.alloc(0) },
    ...names.map((n) => ({ name: `${folder}/${n}`, data: fakeJar(n) })),
  ];
}

/** Entries of each fixture, by what it stands for. */
export const FIXTURE_ENTRIES = {
  /** Debezium PostgreSQL 2.3.7.Final, as the Maven Central plugin archive lays it out. */
  debezium: jars("debezium-connector-postgres", [
    "debezium-connector-postgres-2.3.7.Final.jar",
    "debezium-core-2.3.7.Final.jar",
    "postgresql-42.6.0.jar",
    "protobuf-java-3.19.6.jar",
  ]),
  /** aws-samples/msk-config-providers 0.1.0 with its dependencies. */
  configProviders: jars("msk-config-providers", [
    "msk-config-providers-0.1.0.jar",
    "aws-java-sdk-secretsmanager-1.12.472.jar",
  ]),
  /** Confluent S3 sink 10.6.7, as Confluent Hub lays it out. */
  s3Sink: [
    ...jars("confluentinc-kafka-connect-s3-10.6.7/lib", [
      "kafka-connect-s3-10.6.7.jar",
      "kafka-connect-storage-common-11.1.10.jar",
    ]),
    {
      name: "confluentinc-kafka-connect-s3-10.6.7/manifest.json",
      data: Buffer.from('{ "name": "kafka-connect-s3", "version": "10.6.7" }\n'),
    },
  ],
  /** A valid connector zip, but of another connector (MySQL instead of PostgreSQL). */
  wrongJar: jars("debezium-connector-mysql", [
    "debezium-connector-mysql-2.3.7.Final.jar",
    "mysql-connector-j-8.0.33.jar",
  ]),
  /** The right connector in another version. */
  wrongVersion: jars("debezium-connector-postgres", [
    "debezium-connector-postgres-2.4.0.Final.jar",
    "debezium-core-2.4.0.Final.jar",
  ]),
} satisfies Record<string, ZipInput[]>;

export interface ConnectorFixtures {
  /** Named as the manifest's Debezium source: debezium-debezium-connector-postgresql-2.3.7.Final.zip. */
  readonly debezium: string;
  /** Named as the manifest's config-provider source: msk-config-providers-0.1.0-with-dependencies.zip. */
  readonly configProviders: string;
  /** Named as the manifest's S3 sink: confluentinc-kafka-connect-s3-10.6.7.zip. */
  readonly s3Sink: string;
  readonly wrongJar: string;
  readonly wrongVersion: string;
  /** A text file named .zip. */
  readonly notAZip: string;
}

/** Writes the fixture zips into `dir` (created if needed) and returns their paths. Deterministic. */
export function makeConnectorFixtures(dir: string): ConnectorFixtures {
  mkdirSync(dir, { recursive: true });
  const write = (file: string, entries: ZipInput[]) => {
    const path = join(dir, file);
    writeZip(path, entries, { compress: true });
    return path;
  };
  const notAZip = join(dir, "not-a-zip.zip");
  writeFileSync(notAZip, "<html><body>404 Not Found</body></html>\n");
  return {
    debezium: write("debezium-debezium-connector-postgresql-2.3.7.Final.zip", FIXTURE_ENTRIES.debezium),
    configProviders: write(
      "msk-config-providers-0.1.0-with-dependencies.zip",
      FIXTURE_ENTRIES.configProviders,
    ),
    s3Sink: write("confluentinc-kafka-connect-s3-10.6.7.zip", FIXTURE_ENTRIES.s3Sink),
    wrongJar: write("wrong-jar.zip", FIXTURE_ENTRIES.wrongJar),
    wrongVersion: write("wrong-version.zip", FIXTURE_ENTRIES.wrongVersion),
    notAZip,
  };
}

/**
 * Entries of a source zip that satisfies `source.jar`: the known fixture for the three real sources,
 * else a generic `<file without .zip>/lib/<name>-<version>.jar`.
 */
export function fixtureEntriesFor(source: SourceSpec): ZipInput[] {
  const stem = `${source.jar.name}-${source.jar.version}`;
  for (const entries of [FIXTURE_ENTRIES.debezium, FIXTURE_ENTRIES.configProviders, FIXTURE_ENTRIES.s3Sink]) {
    if (entries.some((e) => e.name.endsWith(`/${stem}.jar`))) return entries;
  }
  return jars(`${source.file.replace(/\.zip$/, "")}/lib`, [`${stem}.jar`]);
}

export interface ConnectorsDir {
  readonly dir: string;
  /** Path of each plugin zip, by plugin id. */
  readonly plugins: Record<string, string>;
  /** Path of each source zip, by file name. */
  readonly sources: Record<string, string>;
  /** What a fetch would have recorded in connectors.lock.json: every source's pin and every built plugin's. */
  readonly lock: ConnectorLock;
  /**
   * `<dir>/connectors.lock.json`, holding `lock`: synth reads the repository's lock, so point it here
   * (loadPlugins' lockFile, or CDC_CONNECTORS_LOCK) to synthesize with these zips pinned.
   */
  readonly lockFile: string;
}

/**
 * Writes a complete connectors/ folder for `manifest` (default: the real connectors/connectors.json):
 * every source zip, every merged plugin built exactly as `npm run connectors:fetch` builds it, and the lock
 * that pins them in `<dir>/connectors.lock.json` (and in `lockFile` too when given). Point synth at `dir`
 * (and at that lock) to run it with all plugins present and pinned.
 */
export function writeConnectorsDir(
  dir: string,
  options: { manifest?: ConnectorManifest; lockFile?: string } = {},
): ConnectorsDir {
  const manifest = options.manifest ?? loadManifest();
  mkdirSync(dir, { recursive: true });
  const sources: Record<string, string> = {};
  const lock: ConnectorLock = {};
  for (const source of manifest.plugins.flatMap((p) => p.sources)) {
    const path = join(dir, source.file);
    const zip = buildZip(fixtureEntriesFor(source), { compress: true });
    writeFileSync(path, zip);
    sources[source.file] = path;
    lock[source.file] = { sha256: createHash("sha256").update(zip).digest("hex"), url: source.url };
  }
  const plugins: Record<string, string> = {};
  for (const plugin of manifest.plugins) {
    buildPlugin(plugin, dir);
    plugins[plugin.id] = join(dir, plugin.file);
    if (!isSingleSourcePlugin(plugin)) {
      lock[plugin.file] = {
        sha256: createHash("sha256")
          .update(readFileSync(plugins[plugin.id] as string))
          .digest("hex"),
        builtFrom: plugin.sources.map((s) => s.file),
      };
    }
  }
  const lockFile = join(dir, "connectors.lock.json");
  writeFileSync(lockFile, formatLock(lock));
  if (options.lockFile) writeFileSync(options.lockFile, formatLock(lock));
  return { dir, plugins, sources, lock, lockFile };
}

/**
 * A zip holding `entries` under exactly their names, even names buildZip refuses (the same name twice)
 * and names every reader refuses (`../x`, `/x`, `C:\x`, NUL): built with placeholder names of the same
 * byte length, then renamed in place in each local and central header. For the zip-slip tests.
 */
export function zipWithRawNames(entries: readonly ZipInput[]): Buffer {
  const placeholders = entries.map((entry, i) => {
    const length = Buffer.byteLength(entry.name, "utf8");
    const id = `${i}`;
    if (length < id.length)
      throw new Error(`zipWithRawNames: name ${JSON.stringify(entry.name)} is too short`);
    return id.padStart(length, "_");
  });
  const zip = Buffer.from(
    buildZip(entries.map((entry, i) => ({ name: placeholders[i] as string, data: entry.data }))),
  );
  const names = entries.map((e) => Buffer.from(e.name, "utf8"));
  // Local headers: signature, 26 bytes of fields, name length at 26, extra length at 28, name at 30.
  let at = 0;
  for (const name of names) {
    if (zip.readUInt32LE(at) !== 0x04034b50) throw new Error("zipWithRawNames: lost the local headers");
    name.copy(zip, at + 30);
    at += 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28) + zip.readUInt32LE(at + 18);
  }
  // Central headers: name length at 28, extra at 30, comment at 32, name at 46.
  for (const name of names) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("zipWithRawNames: lost the central directory");
    name.copy(zip, at + 46);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return zip;
}

/**
 * Runs `run` with CDC_CONNECTORS_LOCK set to `lockFile` (then restores it): what synth reads the pins
 * from instead of the repository's connectors/connectors.lock.json, for tests that synthesize with
 * fixture zips and their pins (e.g. `withPins(zips.lockFile, () => synthesize(config, { connectorsDir }))`).
 */
export function withPins<T>(lockFile: string, run: () => T): T {
  const before = process.env.CDC_CONNECTORS_LOCK;
  process.env.CDC_CONNECTORS_LOCK = lockFile;
  try {
    return run();
  } finally {
    if (before === undefined) delete process.env.CDC_CONNECTORS_LOCK;
    else process.env.CDC_CONNECTORS_LOCK = before;
  }
}

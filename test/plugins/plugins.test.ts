import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadPlugins } from "../../src/cli/load-plugins";
import { UserError } from "../../src/errors";
import { inspectPlugin, pluginWarnings } from "../../src/plugins/inspect-plugin";
import { formatLock, lockForManifest } from "../../src/plugins/lock";
import { loadManifest, pluginById } from "../../src/plugins/manifest";
import { makeConnectorFixtures, writeConnectorsDir } from "../support/zip-fixtures";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-plugins-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fixtures = makeConnectorFixtures(join(root, "fixtures"));
const manifest = loadManifest();
const debezium = pluginById(manifest, "debezium-postgres");
const sink = pluginById(manifest, "s3-sink");
const PIN = "ab".repeat(32);
const LOCK = "connectors/connectors.lock.json";
const unpinned = { pin: undefined, projectRoot: process.cwd() };

/** A connectors folder whose S3 sink plugin zip is `zip`. */
function sinkDirWith(zip: string): string {
  const dir = mkdtempSync(join(root, "dir-"));
  copyFileSync(zip, join(dir, sink.file));
  return dir;
}

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error("expected a UserError");
}

describe("connector plugins at synth", () => {
  const complete = writeConnectorsDir(join(root, "complete"));

  it("takes a plugin's identity from its pin, not from the zip on disk", () => {
    const artifact = inspectPlugin(debezium, complete.dir, { pin: PIN, projectRoot: root });
    expect(artifact).toMatchObject({
      state: "ready",
      sha256: PIN,
      terraformPath: `../../../complete/${debezium.file}`,
    });
  });

  it("is ready, with no warning, when the zip on disk is the pinned one", () => {
    const pin = complete.lock[debezium.file]?.sha256 ?? undefined;
    const artifact = inspectPlugin(debezium, complete.dir, { pin, projectRoot: root });
    expect(artifact).toEqual({
      spec: debezium,
      state: "ready",
      sha256: pin,
      terraformPath: `../../../complete/${debezium.file}`,
      path: join(complete.dir, debezium.file),
      lockFile: LOCK,
    });
  });

  it("is unpinned while the lock records no sha256, whatever is on disk", () => {
    expect(inspectPlugin(sink, complete.dir, { pin: undefined, projectRoot: root })).toEqual({
      spec: sink,
      state: "unpinned",
      terraformPath: `../../../complete/${sink.file}`,
      path: join(complete.dir, sink.file),
      lockFile: LOCK,
    });
  });

  it("refers to a zip outside the project by absolute path", () => {
    const artifact = inspectPlugin(sink, complete.dir, { pin: PIN, projectRoot: "/nonexistent-project" });
    expect(artifact.terraformPath).toBe(join(complete.dir, sink.file));
  });

  it("warns about a missing zip with the fix, without failing", () => {
    const dir = join(root, "empty");
    mkdirSync(dir);
    expect(inspectPlugin(sink, dir, { pin: PIN, projectRoot: process.cwd() })).toMatchObject({
      state: "ready",
      sha256: PIN,
      warning: `${dir}/${sink.file} is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
    });
  });

  it("warns about a zip that is not the pinned one, naming both checksums and the fixes", () => {
    const actual = complete.lock[sink.file]?.sha256;
    expect(inspectPlugin(sink, complete.dir, { pin: PIN, projectRoot: root }).warning).toBe(
      `${complete.dir}/${sink.file} is not the zip pinned in ${LOCK}: its sha256 is ${actual}, expected ${PIN}. Delete it and run npm run connectors:fetch; if the vendor republished it, check why and run npm run connectors:fetch -- --update-pin ${sink.file}`,
    );
  });

  it("fails if the file is not a zip", () => {
    const dir = sinkDirWith(fixtures.notAZip);
    expect(problem(() => inspectPlugin(sink, dir, unpinned))).toBe(
      `${dir}/${sink.file} is not a zip file: delete it and run npm run connectors:fetch`,
    );
  });

  it("fails if the zip holds another connector", () => {
    const dir = sinkDirWith(fixtures.wrongJar);
    expect(problem(() => inspectPlugin(sink, dir, unpinned))).toBe(
      `${dir}/${sink.file} holds no kafka-connect-s3-10.6.7.jar (not the Confluent S3 sink 10.6.7?): delete it and run npm run connectors:fetch`,
    );
  });

  it("fails if the zip holds the connector in another version", () => {
    const dir = mkdtempSync(join(root, "dir-"));
    copyFileSync(fixtures.wrongVersion, join(dir, debezium.file));
    expect(problem(() => inspectPlugin(debezium, dir, { pin: PIN, projectRoot: root }))).toBe(
      `${dir}/${debezium.file} holds debezium-connector-postgres-2.4.0.Final.jar; expected debezium-connector-postgres-2.3.7.Final.jar: delete it and run npm run connectors:fetch`,
    );
  });

  it("fails if the Debezium plugin lacks the bundled config provider", () => {
    const dir = mkdtempSync(join(root, "dir-"));
    copyFileSync(fixtures.debezium, join(dir, debezium.file));
    expect(problem(() => inspectPlugin(debezium, dir, unpinned))).toBe(
      `${dir}/${debezium.file} holds no msk-config-providers-0.1.0.jar (not the Debezium PostgreSQL source 2.3.7.Final, with the MSK config providers (Secrets Manager) bundled in?): delete it and run npm run connectors:fetch`,
    );
  });
});

describe("synth's plugin warnings", () => {
  it("state every unrecorded pin in one line, and nothing more for their missing zips", () => {
    const dir = join(root, "none");
    const artifacts = [debezium, sink].map((spec) => inspectPlugin(spec, dir, unpinned));
    expect(pluginWarnings(artifacts)).toEqual([
      `${LOCK} has no sha256 recorded yet for ${debezium.file}, ${sink.file}: run npm run connectors:fetch on a machine that reaches the vendors' sites, review the lock file's diff and commit it; until then the connectors stack's plan refuses`,
    ]);
  });

  it("add one line per pinned zip that is missing or not the pinned one", () => {
    const dir = join(root, "none");
    const artifacts = [
      inspectPlugin(debezium, dir, { pin: PIN, projectRoot: root }),
      inspectPlugin(sink, dir, unpinned),
    ];
    expect(pluginWarnings(artifacts)).toEqual([
      expect.stringMatching(
        /^connectors\/connectors\.lock\.json has no sha256 recorded yet for confluentinc/,
      ),
      `${dir}/${debezium.file} is missing: run npm run connectors:fetch (it downloads and verifies the connector zips)`,
    ]);
  });

  it("are none when every zip is pinned and in place", () => {
    const complete = writeConnectorsDir(join(root, "quiet"));
    const artifacts = [debezium, sink].map((spec) =>
      inspectPlugin(spec, complete.dir, {
        pin: complete.lock[spec.file]?.sha256 ?? undefined,
        projectRoot: root,
      }),
    );
    expect(pluginWarnings(artifacts)).toEqual([]);
  });
});

describe("loadPlugins", () => {
  it("reads the pins from the lock file, relative to the project, whatever folder the zips are in", () => {
    const project = mkdtempSync(join(root, "project-"));
    const zips = writeConnectorsDir(join(project, "connectors"));
    const artifacts = loadPlugins(zips.dir, project, "connectors/connectors.lock.json");
    expect(
      artifacts.map((a) => [a.spec.id, a.state, a.state === "ready" && a.sha256, a.terraformPath]),
    ).toEqual([
      [
        "debezium-postgres",
        "ready",
        zips.lock[debezium.file]?.sha256,
        `../../../connectors/${debezium.file}`,
      ],
      ["s3-sink", "ready", zips.lock[sink.file]?.sha256, `../../../connectors/${sink.file}`],
    ]);
    expect(pluginWarnings(artifacts)).toEqual([]);
  });

  it("leaves every plugin unpinned with the repository's lock as committed (no pin recorded yet)", () => {
    const project = mkdtempSync(join(root, "project-"));
    const zips = writeConnectorsDir(join(project, "connectors"));
    writeFileSync(zips.lockFile, formatLock(lockForManifest(manifest, {})));
    expect(loadPlugins(zips.dir, project, "connectors/connectors.lock.json").map((a) => a.state)).toEqual([
      "unpinned",
      "unpinned",
    ]);
  });

  it("fails with one line on a lock file it cannot read", () => {
    const project = mkdtempSync(join(root, "project-"));
    mkdirSync(join(project, "connectors"));
    writeFileSync(join(project, "connectors", "connectors.lock.json"), "{ nope");
    expect(
      problem(() => loadPlugins(join(project, "connectors"), project, "connectors/connectors.lock.json")),
    ).toMatch(
      /connectors\/connectors\.lock\.json: invalid lock file: .*; restore it from git or fix it by hand$/,
    );
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type ConnectorLock,
  formatLock,
  LOCK_COMMENT,
  lockForManifest,
  parseLock,
  pinOf,
} from "../../src/plugins/lock";
import { LOCK_FILE, loadManifest } from "../../src/plugins/manifest";

const manifest = loadManifest();
const SHA = "cd".repeat(32);
const DEBEZIUM = "debezium-debezium-connector-postgresql-2.3.7.Final.zip";
const PROVIDERS = "msk-config-providers-0.1.0-with-dependencies.zip";
const MERGED = "debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip";

describe("connectors/connectors.lock.json, as committed", () => {
  const text = readFileSync(LOCK_FILE, "utf8");
  const lock = parseLock(text, LOCK_FILE);

  it("has an entry for every file of the manifest, sources and built plugin zips, and no other", () => {
    // Written as the fetch writes it: the manifest's files, their recorded pins, nothing stale.
    expect(text).toBe(formatLock(lockForManifest(manifest, lock)));
    expect(Object.keys(lock).sort()).toEqual(
      [...new Set(manifest.plugins.flatMap((p) => [p.file, ...p.sources.map((s) => s.file)]))].sort(),
    );
  });

  it("says which pins are still unrecorded (null) and explains it", () => {
    expect(JSON.parse(text).$comment).toBe(LOCK_COMMENT);
    for (const entry of Object.values(lock))
      expect(entry.sha256 === null || /^[0-9a-f]{64}$/.test(entry.sha256)).toBe(true);
  });
});

describe("parseLock", () => {
  it("reads sources, built plugins and null pins", () => {
    const lock: ConnectorLock = {
      [DEBEZIUM]: { sha256: SHA, url: "https://example.test/d.zip" },
      [PROVIDERS]: { sha256: null, url: "https://example.test/p.zip" },
      [MERGED]: { sha256: null, builtFrom: [DEBEZIUM, PROVIDERS] },
    };
    const parsed = parseLock(formatLock(lock), "l.json");
    expect(parsed).toEqual(lock);
    expect(pinOf(parsed, DEBEZIUM)).toBe(SHA);
    expect(pinOf(parsed, PROVIDERS)).toBeUndefined();
    expect(pinOf(parsed, "absent.zip")).toBeUndefined();
  });

  it.each([
    ["not JSON", "{ nope", /^l\.json: invalid lock file: .+; restore it from git or fix it by hand$/],
    ["an array", "[]", /expected an object of/],
    [
      "a short sha256",
      `{ "${DEBEZIUM}": { "sha256": "abc", "url": "u" } }`,
      new RegExp(`entry ${DEBEZIUM} must be`),
    ],
    ["both url and builtFrom", `{ "${MERGED}": { "sha256": null, "url": "u", "builtFrom": [] } }`, /must be/],
    ["neither", `{ "${MERGED}": { "sha256": null } }`, /must be/],
  ])("fails on %s, naming the file and the fix", (_, text, message) => {
    expect(() => parseLock(text, "l.json")).toThrow(message);
  });
});

describe("lockForManifest", () => {
  it("lists every file of the manifest, unrecorded unless the lock has its pin", () => {
    const skeleton = lockForManifest(manifest, {});
    expect(Object.values(skeleton).every((e) => e.sha256 === null)).toBe(true);
    expect(skeleton[MERGED]).toEqual({ sha256: null, builtFrom: [DEBEZIUM, PROVIDERS] });
  });

  it("keeps recorded pins, and drops those of files the manifest no longer names", () => {
    const lock = lockForManifest(manifest, {
      [DEBEZIUM]: { sha256: SHA, url: "https://old.example/d.zip" },
      "old-plugin-1.0.zip": { sha256: SHA, url: "https://example.test/old.zip" },
    });
    expect(lock[DEBEZIUM]?.sha256).toBe(SHA);
    expect(lock["old-plugin-1.0.zip"]).toBeUndefined();
  });

  it("drops a built plugin's pin when the manifest builds it from other sources, or as a source", () => {
    expect(
      lockForManifest(manifest, { [MERGED]: { sha256: SHA, builtFrom: [DEBEZIUM] } })[MERGED]?.sha256,
    ).toBeNull();
    expect(lockForManifest(manifest, { [MERGED]: { sha256: SHA, url: "u" } })[MERGED]?.sha256).toBeNull();
    expect(
      lockForManifest(manifest, { [MERGED]: { sha256: SHA, builtFrom: [DEBEZIUM, PROVIDERS] } })[MERGED]
        ?.sha256,
    ).toBe(SHA);
  });
});

import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildZip,
  DuplicateZipEntryError,
  listZipEntries,
  mergeZips,
  NotAZipError,
  readZipDirectory,
  readZipEntry,
  temporaryPath,
  UnsafeZipEntryError,
  unsafeEntryReason,
  writeZip,
  ZipError,
} from "../../src/plugins/zip";
import { FIXTURE_ENTRIES, makeConnectorFixtures, zipWithRawNames } from "../support/zip-fixtures";

const tmp = mkdtempSync(join(tmpdir(), "cdc-lake-zip-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fixtures = makeConnectorFixtures(join(tmp, "fixtures"));

const ENTRIES = [
  { name: "docs/", data: Buffer.alloc(0) },
  { name: "docs/readme.txt", data: Buffer.from("hello zip\n".repeat(50)) },
  { name: "lib/a.jar", data: Buffer.from([0, 1, 2, 3, 255]) },
  { name: "naïve.txt", data: Buffer.from("utf-8 name") },
];

describe("writeZip and listZipEntries", () => {
  it.each([false, true])("lists the entries written, in order (compress: %s)", (compress) => {
    const path = join(tmp, `list-${compress}.zip`);
    writeZip(path, ENTRIES, { compress });
    expect(listZipEntries(path)).toEqual(["docs/", "docs/readme.txt", "lib/a.jar", "naïve.txt"]);
    for (const entry of ENTRIES) expect(readZipEntry(path, entry.name)).toEqual(entry.data);
  });

  it("deflates only when asked, and only entries that shrink", () => {
    const path = join(tmp, "methods.zip");
    writeZip(path, ENTRIES, { compress: true });
    const methods = Object.fromEntries(readZipDirectory(path).map((e) => [e.name, e.method]));
    expect(methods).toEqual({ "docs/": 0, "docs/readme.txt": 8, "lib/a.jar": 0, "naïve.txt": 0 });
    writeZip(path, ENTRIES);
    expect(readZipDirectory(path).map((e) => e.method)).toEqual([0, 0, 0, 0]);
  });

  it("writes byte-identical zips for the same input", () => {
    const a = join(tmp, "same-a.zip");
    const b = join(tmp, "same-b.zip");
    writeZip(a, ENTRIES, { compress: true });
    writeZip(b, ENTRIES, { compress: true });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(buildZip(ENTRIES, { compress: true }).equals(readFileSync(a))).toBe(true);
  });

  it("fails if two entries have the same name", () => {
    expect(() => writeZip(join(tmp, "dup.zip"), [ENTRIES[2], ENTRIES[2]] as typeof ENTRIES)).toThrow(
      new DuplicateZipEntryError("zip", "lib/a.jar", "lib/a.jar"),
    );
  });

  it("finds the directory behind a trailing comment", () => {
    const path = join(tmp, "comment.zip");
    const zip = Buffer.from(buildZip(ENTRIES));
    // Set the comment length in the end record, then append a comment that itself contains "PK\5\6".
    const comment = Buffer.concat([
      Buffer.from("built by hand "),
      Buffer.from([0x50, 0x4b, 5, 6]),
      Buffer.alloc(40),
    ]);
    zip.writeUInt16LE(comment.length, zip.length - 2);
    writeFileSync(path, Buffer.concat([zip, comment]));
    expect(listZipEntries(path)).toEqual(ENTRIES.map((e) => e.name));
  });

  it("reads zips written by other tools (python3 zipfile, deflated, with extra fields and a comment)", () => {
    const path = join(tmp, "python.zip");
    const py = spawnSync(
      "python3",
      [
        "-c",
        `import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.comment = b"a comment"
    z.writestr("a/one.txt", "one " * 100)
    z.writestr(zipfile.ZipInfo("a/two.txt", (2024, 5, 6, 7, 8, 10)), "two")`,
        path,
      ],
      { encoding: "utf8" },
    );
    if (py.error) return; // no python3 here: nothing to cross-check against
    expect(py.status).toBe(0);
    expect(listZipEntries(path)).toEqual(["a/one.txt", "a/two.txt"]);
    expect(readZipEntry(path, "a/one.txt").toString()).toBe("one ".repeat(100));
    mergeZips(join(tmp, "python-merged.zip"), [{ path, prefix: "p" }]);
    expect(readZipEntry(join(tmp, "python-merged.zip"), "p/a/two.txt").toString()).toBe("two");
  });

  it("writes zips that python3 zipfile and unzip accept, with 1980-01-01 timestamps", () => {
    const path = join(tmp, "checked.zip");
    writeZip(path, ENTRIES, { compress: true });
    const py = spawnSync(
      "python3",
      [
        "-c",
        `import zipfile, sys, json
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "names": z.namelist(), "dates": sorted({i.date_time for i in z.infolist()}),
  "readme": z.read("docs/readme.txt").decode()}))`,
        path,
      ],
      { encoding: "utf8" },
    );
    if (py.error) return; // no python3 here: the TS read-back tests above still hold
    expect(py.stderr).toBe("");
    expect(JSON.parse(py.stdout)).toEqual({
      bad: null,
      names: ENTRIES.map((e) => e.name),
      dates: [[1980, 1, 1, 0, 0, 0]],
      readme: "hello zip\n".repeat(50),
    });
  });

  it("reads a zip with bytes appended after it, as Java does", () => {
    const path = join(tmp, "junk.zip");
    writeZip(path, ENTRIES);
    appendFileSync(path, "trailing junk");
    expect(listZipEntries(path)).toEqual(ENTRIES.map((e) => e.name));
  });
});

describe("listZipEntries on what is not a zip", () => {
  it("fails if the file is text", () => {
    expect(() => listZipEntries(fixtures.notAZip)).toThrow(new NotAZipError(fixtures.notAZip));
    expect(() => listZipEntries(fixtures.notAZip)).toThrow(`${fixtures.notAZip} is not a zip file`);
  });

  it("fails if the file is shorter than an end record", () => {
    const path = join(tmp, "tiny.zip");
    writeFileSync(path, "PK");
    expect(() => listZipEntries(path)).toThrow(`${path} is not a zip file`);
  });

  it("fails if the file is empty", () => {
    const path = join(tmp, "empty.zip");
    writeFileSync(path, "");
    expect(() => listZipEntries(path)).toThrow(`${path} is not a zip file`);
  });

  it("fails if the zip is truncated (a partial download)", () => {
    const path = join(tmp, "truncated.zip");
    writeZip(path, ENTRIES);
    truncateSync(path, Math.floor(readFileSync(path).length / 2));
    expect(() => listZipEntries(path)).toThrow(`${path} is not a zip file`);
  });

  it("fails if the central directory is cut short", () => {
    const path = join(tmp, "short-directory.zip");
    const zip = Buffer.from(buildZip(ENTRIES));
    // Claim a directory larger than what lies between its offset and the end record.
    zip.writeUInt32LE(zip.readUInt32LE(zip.length - 10) + 100, zip.length - 10);
    writeFileSync(path, zip);
    expect(() => listZipEntries(path)).toThrow(`${path} is not a zip file`);
  });

  it("fails if the path is a folder", () => {
    expect(() => listZipEntries(tmp)).toThrow(`${tmp} is not a zip file`);
  });

  it("fails if the zip is ZIP64, with a message saying so", () => {
    const path = join(tmp, "zip64.zip");
    const zip = Buffer.from(buildZip(ENTRIES));
    zip.writeUInt32LE(0xffffffff, zip.length - 6); // central directory offset: "see the ZIP64 record"
    writeFileSync(path, zip);
    expect(() => listZipEntries(path)).toThrow(
      new ZipError(
        `${path} is a ZIP64 archive (over 65535 entries or 4 GiB), which is not supported; expected a plain zip`,
      ),
    );
  });
});

describe("mergeZips", () => {
  const merged = join(tmp, "merged.zip");
  mergeZips(merged, [
    { path: fixtures.debezium },
    { path: fixtures.configProviders, prefix: "msk-config-providers" },
  ]);

  it("keeps every entry, in input order, later inputs under their prefix", () => {
    expect(listZipEntries(merged)).toEqual([
      ...FIXTURE_ENTRIES.debezium.map((e) => e.name),
      ...FIXTURE_ENTRIES.configProviders.map((e) => `msk-config-providers/${e.name}`),
    ]);
  });

  it("keeps each entry's data, method, CRC and sizes", () => {
    for (const entry of FIXTURE_ENTRIES.configProviders) {
      expect(readZipEntry(merged, `msk-config-providers/${entry.name}`)).toEqual(entry.data);
    }
    const source = readZipDirectory(fixtures.debezium);
    const copy = readZipDirectory(merged).slice(0, source.length);
    const pick = (e: (typeof source)[number]) => [e.name, e.method, e.crc32, e.compressedSize, e.size];
    expect(copy.map(pick)).toEqual(source.map(pick));
  });

  it("writes byte-identical zips for the same inputs, and leaves no .partial", () => {
    const again = join(tmp, "merged-again.zip");
    mergeZips(again, [
      { path: fixtures.debezium },
      { path: fixtures.configProviders, prefix: "msk-config-providers/" },
    ]);
    expect(readFileSync(again).equals(readFileSync(merged))).toBe(true);
    expect(() => readFileSync(`${again}.partial`)).toThrow(/ENOENT/);
  });

  it("fails if two inputs hold the same name, and writes nothing", () => {
    const out = join(tmp, "dup-merge.zip");
    expect(() => mergeZips(out, [{ path: fixtures.debezium }, { path: fixtures.wrongVersion }])).toThrow(
      `cannot merge into ${out}: duplicate entry debezium-connector-postgres/; expected each name once`,
    );
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });

  it("fails if an input is not a zip, and writes nothing", () => {
    const out = join(tmp, "bad-merge.zip");
    expect(() =>
      mergeZips(out, [{ path: fixtures.s3Sink }, { path: fixtures.notAZip, prefix: "x" }]),
    ).toThrow(`${fixtures.notAZip} is not a zip file`);
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });
});

describe("entry names no extraction can be trusted with (zip-slip)", () => {
  const x = Buffer.from("x");
  /** A zip holding a safe entry, then one named `name`. */
  function zipWith(name: string): string {
    const path = join(tmp, `slip-${Math.random().toString(16).slice(2)}.zip`);
    writeFileSync(
      path,
      zipWithRawNames([
        { name: "lib/ok.jar", data: x },
        { name, data: x },
      ]),
    );
    return path;
  }

  it.each([
    ["../../x", "it climbs out of the folder with .."],
    ["lib/../../x", "it climbs out of the folder with .."],
    ["..", "it climbs out of the folder with .."],
    ["/etc/x", "it is an absolute path"],
    ["\\x", "it is an absolute path"],
    ["C:\\x", "it starts with a drive letter"],
    ["c:x", "it starts with a drive letter"],
    ["lib\\x.jar", "it uses \\ as a path separator"],
    ["..\\x", "it uses \\ as a path separator"],
    ["a\u0000b", "it holds a NUL byte"],
    ["a\nb", "it holds a control character"],
  ])("refuses to read a zip with the entry %j, naming the zip, the entry and why", (name, reason) => {
    const path = zipWith(name);
    const expected = new UnsafeZipEntryError(path, name, reason);
    expect(expected.message).toBe(
      `${path}: unsafe entry name ${JSON.stringify(name)} (${reason}); refused, as it could write outside the folder the zip is extracted to`,
    );
    expect(() => readZipDirectory(path)).toThrow(expected);
    expect(() => listZipEntries(path)).toThrow(expected);
    const out = join(tmp, "slip-merged.zip");
    expect(() => mergeZips(out, [{ path: fixtures.s3Sink }, { path, prefix: "p" }])).toThrow(expected);
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });

  it.each(["a..b/c.jar", "lib/...", "..lib/x", "lib/x..", "dir/", "naïve/ü.jar"])(
    "accepts the name %j",
    (name) => {
      expect(unsafeEntryReason(name)).toBeUndefined();
      expect(listZipEntries(zipWith(name))).toEqual(["lib/ok.jar", name]);
    },
  );

  it.each([
    [["lib/a.jar", "lib/a.jar"], "duplicate entry lib/a.jar; expected each name once"],
    [
      ["lib/a.jar", "lib/./a.jar"],
      'entries "lib/a.jar" and "lib/./a.jar" are the same path; expected each name once',
    ],
    [
      ["lib/a.jar", "lib//a.jar"],
      'entries "lib/a.jar" and "lib//a.jar" are the same path; expected each name once',
    ],
    [["lib", "lib/"], 'entries "lib" and "lib/" are the same path; expected each name once'],
  ])("refuses to read a zip holding %j (they would collide when extracted)", (names, message) => {
    const path = join(tmp, "dup-names.zip");
    writeFileSync(path, zipWithRawNames(names.map((name) => ({ name, data: x }))));
    expect(() => listZipEntries(path)).toThrow(
      new DuplicateZipEntryError(path, names[1] as string, names[0] as string),
    );
    expect(() => listZipEntries(path)).toThrow(`${path}: ${message}`);
  });

  it("refuses a merge whose prefix would climb out, or whose inputs collide once extracted", () => {
    const out = join(tmp, "bad-prefix.zip");
    const first = FIXTURE_ENTRIES.s3Sink[0]?.name as string;
    expect(() => mergeZips(out, [{ path: fixtures.s3Sink, prefix: ".." }])).toThrow(
      new UnsafeZipEntryError(out, `../${first}`, "it climbs out of the folder with .."),
    );
    const dotted = join(tmp, "dotted.zip");
    writeFileSync(dotted, zipWithRawNames([{ name: "./a.jar", data: x }]));
    const plain = join(tmp, "plain.zip");
    writeZip(plain, [{ name: "p/a.jar", data: x }]);
    expect(() => mergeZips(out, [{ path: plain }, { path: dotted, prefix: "p" }])).toThrow(
      `cannot merge into ${out}: entries "p/a.jar" and "p/./a.jar" are the same path; expected each name once`,
    );
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });
});

describe("temporary files", () => {
  it("are named per process and per call, beside the file, so concurrent writers never share one", () => {
    const a = temporaryPath(join(tmp, "out.zip"));
    const b = temporaryPath(join(tmp, "out.zip"));
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^${tmp}/\\.out\\.zip\\.${process.pid}-[0-9a-f]{12}\\.partial$`));
  });

  it("leaves another writer's temporary file alone (the old fixed name included) and none of its own", () => {
    const dir = join(tmp, "writers");
    mkdirSync(dir);
    const out = join(dir, "merged.zip");
    writeFileSync(`${out}.partial`, "another run's half-written zip");
    mergeZips(out, [{ path: fixtures.debezium }]);
    expect(readFileSync(`${out}.partial`, "utf8")).toBe("another run's half-written zip");
    expect(readdirSync(dir).sort()).toEqual(["merged.zip", "merged.zip.partial"]);
  });
});

/**
 * A small zip reader/writer with no dependencies beyond Node: enough to list a connector zip (at synth
 * time, so it reads only the tail and the central directory, never the data) and to build plugin zips
 * that are byte-identical for the same input (plugins are content-addressed in S3).
 *
 * Not supported, and refused with a clear error: ZIP64, multi-disk archives, encrypted entries. Refused
 * on reading too: entry names that would land outside the folder the zip is extracted to (zip-slip:
 * `../x`, `/x`, `C:x`, `\` separators, NUL or other control characters) and names that occur twice.
 * @see https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const MAX_COMMENT = 0xffff;

const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
/** MS-DOS date of 1980-01-01 (the earliest a zip can hold), time 00:00: fixed so output is deterministic. */
const FIXED_DOS_DATE = (0 << 9) | (1 << 5) | 1;
const FIXED_DOS_TIME = 0;
/** "Made by" MS-DOS, spec 2.0: no Unix permissions to vary between machines. */
const MADE_BY_DOS = 20;
const COPY_CHUNK = 1 << 20;

/** Any zip that cannot be read or written as asked. */
export class ZipError extends Error {
  override name = "ZipError";
}

/** Not a readable zip at all: too short, no end-of-central-directory record, or a truncated directory. */
export class NotAZipError extends ZipError {
  override name = "NotAZipError";
  constructor(readonly path: string) {
    super(`${path} is not a zip file`);
  }
}

/**
 * An entry name that could write outside the folder the zip is extracted to (zip-slip), or that tools
 * disagree on: absolute, with a drive letter, climbing out with `..`, with `\` or control characters.
 */
export class UnsafeZipEntryError extends ZipError {
  override name = "UnsafeZipEntryError";
  constructor(
    readonly path: string,
    readonly entry: string,
    readonly reason: string,
  ) {
    super(
      `${path}: unsafe entry name ${JSON.stringify(entry)} (${reason}); refused, as it could write outside the folder the zip is extracted to`,
    );
  }
}

/** Two entries that would be extracted to the same path (the same name twice, or `a/./b` and `a/b`). */
export class DuplicateZipEntryError extends ZipError {
  override name = "DuplicateZipEntryError";
  constructor(
    readonly where: string,
    readonly entry: string,
    readonly other: string,
  ) {
    super(
      entry === other
        ? `${where}: duplicate entry ${entry}; expected each name once`
        : `${where}: entries ${JSON.stringify(other)} and ${JSON.stringify(entry)} are the same path; expected each name once`,
    );
  }
}

/**
 * Why `name` is not a safe relative path inside a zip, or undefined if it is. Java, unzip and MSK Connect
 * disagree on `\` and on absolute names, so anything but plain `/`-separated relative names is refused.
 */
export function unsafeEntryReason(name: string): string | undefined {
  if (name === "") return "an empty name";
  if (name.includes("\0")) return "it holds a NUL byte";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  if (/[\x01-\x1f\x7f]/.test(name)) return "it holds a control character";
  if (/^[A-Za-z]:/.test(name)) return "it starts with a drive letter";
  if (name.startsWith("/") || name.startsWith("\\")) return "it is an absolute path";
  if (name.includes("\\")) return "it uses \\ as a path separator";
  if (name.split("/").includes("..")) return "it climbs out of the folder with ..";
  return undefined;
}

/** The path an entry is extracted to, for spotting collisions: `.` and empty segments and a trailing `/` dropped. */
function extractedPath(name: string): string {
  return name
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
}

/** Throws on the first unsafe name, then on the first two names extracted to the same path. */
function assertSafeNames(names: Iterable<string>, path: string, where: string): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const reason = unsafeEntryReason(name);
    if (reason) throw new UnsafeZipEntryError(path, name, reason);
    const key = extractedPath(name);
    const other = seen.get(key);
    if (other !== undefined) throw new DuplicateZipEntryError(where, name, other);
    seen.set(key, name);
  }
}

/** One central-directory record: what the reader and the merger need. */
export interface ZipEntryInfo {
  readonly name: string;
  /** 0 stored, 8 deflated; other methods are listed but cannot be read by {@link readZipEntry}. */
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
  /** General-purpose flags, as in the central directory. */
  readonly flags: number;
  readonly versionMadeBy: number;
  readonly versionNeeded: number;
  readonly internalAttributes: number;
  readonly externalAttributes: number;
  /** The name's bytes as stored, so a merge copies them without re-encoding. */
  readonly rawName: Buffer;
}

export interface ZipInput {
  readonly name: string;
  readonly data: Buffer;
}

export interface WriteZipOptions {
  /**
   * Deflate entries (an entry that deflate would not shrink is stored).
   * @default false - entries are stored
   */
  readonly compress?: boolean;
}

export interface MergeInput {
  readonly path: string;
  /**
   * Folder the input's entries go under, e.g. `msk-config-providers/` (a trailing slash is added if missing).
   * @default - the entries keep their names, at the root
   */
  readonly prefix?: string;
}

function readAt(fd: number, path: string, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) throw new NotAZipError(path);
    done += n;
  }
  return buffer;
}

/** Finds the end-of-central-directory record: searched backwards, as a trailing comment can follow it. */
function findEndOfCentralDirectory(
  fd: number,
  path: string,
  fileSize: number,
): { entries: number; cdSize: number; cdOffset: number } {
  if (fileSize < EOCD_SIZE) throw new NotAZipError(path);
  const tailStart = Math.max(0, fileSize - EOCD_SIZE - MAX_COMMENT);
  const tail = readAt(fd, path, tailStart, fileSize - tailStart);
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== END_OF_CENTRAL_DIRECTORY) continue;
    const commentLength = tail.readUInt16LE(i + 20);
    const entries = tail.readUInt16LE(i + 10);
    const cdSize = tail.readUInt32LE(i + 12);
    const cdOffset = tail.readUInt32LE(i + 16);
    const eocdOffset = tailStart + i;
    // The signature can also occur inside a comment. A real record's comment runs to the end of the file;
    // if bytes follow it, accept it (as Java does) only when a central directory header sits at its offset.
    if (i + EOCD_SIZE + commentLength !== tail.length) {
      const cdStart = cdOffset + 4 <= eocdOffset && entries > 0 ? readAt(fd, path, cdOffset, 4) : undefined;
      if (cdStart?.readUInt32LE(0) !== CENTRAL_HEADER) continue;
    }
    const disk = tail.readUInt16LE(i + 4);
    const cdDisk = tail.readUInt16LE(i + 6);
    const entriesOnDisk = tail.readUInt16LE(i + 8);
    const locator = i - ZIP64_LOCATOR_SIZE;
    if (
      entries === 0xffff ||
      cdSize === 0xffffffff ||
      cdOffset === 0xffffffff ||
      (locator >= 0 && tail.readUInt32LE(locator) === ZIP64_LOCATOR)
    ) {
      throw new ZipError(
        `${path} is a ZIP64 archive (over 65535 entries or 4 GiB), which is not supported; expected a plain zip`,
      );
    }
    if (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== entries) {
      throw new ZipError(
        `${path} is a multi-disk (split) zip, which is not supported; expected a single zip file`,
      );
    }
    if (cdOffset + cdSize > eocdOffset) throw new NotAZipError(path);
    return { entries, cdSize, cdOffset };
  }
  throw new NotAZipError(path);
}

function readDirectory(fd: number, path: string): ZipEntryInfo[] {
  const stat = fstatSync(fd);
  // A missing file keeps its ENOENT (the caller can say "run the fetch"); a folder is simply not a zip.
  if (!stat.isFile()) throw new NotAZipError(path);
  const { entries: count, cdSize, cdOffset } = findEndOfCentralDirectory(fd, path, stat.size);
  const cd = readAt(fd, path, cdOffset, cdSize);
  const entries: ZipEntryInfo[] = [];
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + CENTRAL_HEADER_SIZE > cd.length || cd.readUInt32LE(at) !== CENTRAL_HEADER) {
      throw new NotAZipError(path);
    }
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const commentLength = cd.readUInt16LE(at + 32);
    const end = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (end > cd.length) throw new NotAZipError(path);
    const rawName = Buffer.from(cd.subarray(at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength));
    const compressedSize = cd.readUInt32LE(at + 20);
    const size = cd.readUInt32LE(at + 24);
    const localHeaderOffset = cd.readUInt32LE(at + 42);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff) {
      throw new ZipError(`${path} is a ZIP64 archive (an entry of 4 GiB or more), which is not supported`);
    }
    entries.push({
      // Java (jar, Kafka Connect) reads names as UTF-8 whatever the flag says; so do we.
      name: rawName.toString("utf8"),
      versionMadeBy: cd.readUInt16LE(at + 4),
      versionNeeded: cd.readUInt16LE(at + 6),
      flags: cd.readUInt16LE(at + 8),
      method: cd.readUInt16LE(at + 10),
      crc32: cd.readUInt32LE(at + 16),
      compressedSize,
      size,
      internalAttributes: cd.readUInt16LE(at + 36),
      externalAttributes: cd.readUInt32LE(at + 38),
      localHeaderOffset,
      rawName,
    });
    at = end;
  }
  assertSafeNames(
    entries.map((e) => e.name),
    path,
    path,
  );
  return entries;
}

function withFile<T>(path: string, flags: string, use: (fd: number) => T): T {
  const fd = openSync(path, flags);
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The central directory of a zip, in stored order. Reads only the file's tail and its central directory.
 * Throws {@link UnsafeZipEntryError} or {@link DuplicateZipEntryError} on a name no extraction could be trusted with.
 */
export function readZipDirectory(path: string): ZipEntryInfo[] {
  return withFile(path, "r", (fd) => readDirectory(fd, path));
}

/** Entry names of a zip, in stored order (folders end with `/`). Fast on big zips: never reads the data. */
export function listZipEntries(path: string): string[] {
  return readZipDirectory(path).map((e) => e.name);
}

/** Offset of an entry's data: after its local header, whose extra field may differ from the central one. */
function dataOffset(fd: number, path: string, entry: ZipEntryInfo): number {
  const header = readAt(fd, path, entry.localHeaderOffset, LOCAL_HEADER_SIZE);
  if (header.readUInt32LE(0) !== LOCAL_HEADER) {
    throw new ZipError(
      `${path}: entry ${entry.name} has no local header at its recorded offset; the zip is corrupt`,
    );
  }
  return entry.localHeaderOffset + LOCAL_HEADER_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
}

function assertReadable(path: string, entry: ZipEntryInfo): void {
  if (entry.flags & FLAG_ENCRYPTED) {
    throw new ZipError(`${path}: entry ${entry.name} is encrypted, which is not supported`);
  }
}

/** The uncompressed content of one entry (stored or deflated), CRC-checked. Reads the whole entry into memory. */
export function readZipEntry(path: string, name: string): Buffer {
  return withFile(path, "r", (fd) => {
    const entry = readDirectory(fd, path).find((e) => e.name === name);
    if (!entry) throw new ZipError(`${path} has no entry ${name}`);
    assertReadable(path, entry);
    const raw = readAt(fd, path, dataOffset(fd, path, entry), entry.compressedSize);
    let data: Buffer;
    if (entry.method === STORED) data = raw;
    else if (entry.method === DEFLATED) data = inflateRawSync(raw);
    else
      throw new ZipError(`${path}: entry ${name} uses compression method ${entry.method}; expected 0 or 8`);
    if (data.length !== entry.size || crc32(data) >>> 0 !== entry.crc32) {
      throw new ZipError(`${path}: entry ${name} fails its CRC check; the zip is corrupt`);
    }
    return data;
  });
}

interface HeaderFields {
  readonly rawName: Buffer;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly versionNeeded: number;
  readonly versionMadeBy: number;
  readonly internalAttributes: number;
  readonly externalAttributes: number;
}

/** Local header with the fixed timestamp and no extra field (extras mostly hold more timestamps). */
function localHeader(r: HeaderFields): Buffer {
  const b = Buffer.alloc(LOCAL_HEADER_SIZE);
  b.writeUInt32LE(LOCAL_HEADER, 0);
  b.writeUInt16LE(r.versionNeeded, 4);
  b.writeUInt16LE(r.flags, 6);
  b.writeUInt16LE(r.method, 8);
  b.writeUInt16LE(FIXED_DOS_TIME, 10);
  b.writeUInt16LE(FIXED_DOS_DATE, 12);
  b.writeUInt32LE(r.crc32, 14);
  b.writeUInt32LE(r.compressedSize, 18);
  b.writeUInt32LE(r.size, 22);
  b.writeUInt16LE(r.rawName.length, 26);
  b.writeUInt16LE(0, 28);
  return Buffer.concat([b, r.rawName]);
}

function centralHeader(r: HeaderFields, offset: number): Buffer {
  const b = Buffer.alloc(CENTRAL_HEADER_SIZE);
  b.writeUInt32LE(CENTRAL_HEADER, 0);
  b.writeUInt16LE(r.versionMadeBy, 4);
  b.writeUInt16LE(r.versionNeeded, 6);
  b.writeUInt16LE(r.flags, 8);
  b.writeUInt16LE(r.method, 10);
  b.writeUInt16LE(FIXED_DOS_TIME, 12);
  b.writeUInt16LE(FIXED_DOS_DATE, 14);
  b.writeUInt32LE(r.crc32, 16);
  b.writeUInt32LE(r.compressedSize, 20);
  b.writeUInt32LE(r.size, 24);
  b.writeUInt16LE(r.rawName.length, 28);
  // Extra (30), comment (32), disk (34) stay 0.
  b.writeUInt16LE(r.internalAttributes, 36);
  b.writeUInt32LE(r.externalAttributes, 38);
  b.writeUInt32LE(offset, 42);
  return Buffer.concat([b, r.rawName]);
}

function endOfCentralDirectory(count: number, cdSize: number, cdOffset: number, path: string): Buffer {
  if (count > 0xffff || cdOffset + cdSize > 0xffffffff) {
    throw new ZipError(`${path} would need ZIP64 (over 65535 entries or 4 GiB), which is not supported`);
  }
  const b = Buffer.alloc(EOCD_SIZE);
  b.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  b.writeUInt16LE(count, 8);
  b.writeUInt16LE(count, 10);
  b.writeUInt32LE(cdSize, 12);
  b.writeUInt32LE(cdOffset, 16);
  return b;
}

function assertUnique(names: Iterable<string>, what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DuplicateZipEntryError(what, name, name);
    seen.add(name);
  }
}

/**
 * A temporary name beside `path`, unique to this process and call (`.<name>.<pid>-<random>.partial`), so
 * two processes writing the same file never write into, rename or delete each other's temporary file.
 */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString("hex")}.partial`);
}

/**
 * Writes a temporary file beside `path` and renames it to `path` only when complete, so a reader never
 * sees a half-written zip under the final name, and concurrent writers each rename a complete file.
 */
function writeAtomically(path: string, write: (append: (chunk: Buffer) => void) => void): void {
  const partial = temporaryPath(path);
  try {
    withFile(partial, "w", (fd) => {
      write((chunk) => {
        let done = 0;
        while (done < chunk.length) {
          const n = writeSync(fd, chunk, done);
          if (n <= 0) throw new ZipError(`${partial}: the file system accepted no bytes`);
          done += n;
        }
      });
    });
    renameSync(partial, path);
  } catch (error) {
    try {
      rmSync(partial, { force: true });
    } catch {
      // Keep the error that matters (a full disk, say) rather than the cleanup's.
    }
    throw error;
  }
}

/**
 * A zip of `entries`, in memory: for small zips (fixtures, tests); same input, same bytes. Names are
 * written as given (tests build unsafe zips with it); {@link readZipDirectory} is where they are checked.
 */
export function buildZip(entries: readonly ZipInput[], options: WriteZipOptions = {}): Buffer {
  assertUnique(
    entries.map((e) => e.name),
    "zip",
  );
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const rawName = Buffer.from(entry.name, "utf8");
    const deflated = options.compress ? deflateRawSync(entry.data, { level: 9 }) : undefined;
    const useDeflate = deflated !== undefined && deflated.length < entry.data.length;
    const data = useDeflate ? deflated : entry.data;
    const record: HeaderFields = {
      rawName,
      flags: rawName.length === entry.name.length ? 0 : FLAG_UTF8,
      method: useDeflate ? DEFLATED : STORED,
      crc32: crc32(entry.data) >>> 0,
      compressedSize: data.length,
      size: entry.data.length,
      versionNeeded: useDeflate || entry.name.endsWith("/") ? 20 : 10,
      versionMadeBy: MADE_BY_DOS,
      internalAttributes: 0,
      // MS-DOS "directory" attribute for folder entries, as zip tools write it.
      externalAttributes: entry.name.endsWith("/") ? 0x10 : 0,
    };
    const header = localHeader(record);
    central.push(centralHeader(record, offset));
    parts.push(header, data);
    offset += header.length + data.length;
  }
  const cd = Buffer.concat(central);
  return Buffer.concat([...parts, cd, endOfCentralDirectory(entries.length, cd.length, offset, "zip")]);
}

/** Writes a zip of `entries` (stored unless `compress`), with fixed timestamps: same input, same bytes. */
export function writeZip(path: string, entries: readonly ZipInput[], options: WriteZipOptions = {}): void {
  const zip = buildZip(entries, options);
  writeAtomically(path, (append) => append(zip));
}

/**
 * Writes one zip holding every entry of `inputs`, in input order, each input optionally under a folder.
 * Entries are copied compressed, as they are (no recompression: fast on 100 MB connector zips), keeping
 * method, CRC, sizes and file attributes; timestamps are fixed and extra fields and comments dropped, so
 * the same inputs always give the same bytes. Throws on an unsafe or duplicate name (after prefixing),
 * before writing anything.
 */
export function mergeZips(output: string, inputs: readonly MergeInput[]): void {
  const sources = inputs.map((input) => {
    const prefix = input.prefix ? input.prefix.replace(/\/*$/, "/") : "";
    const entries = readZipDirectory(input.path);
    for (const e of entries) assertReadable(input.path, e);
    return { path: input.path, prefix, entries };
  });
  assertSafeNames(
    sources.flatMap((s) => s.entries.map((e) => s.prefix + e.name)),
    output,
    `cannot merge into ${output}`,
  );
  writeAtomically(output, (append) => {
    const central: Buffer[] = [];
    let offset = 0;
    for (const source of sources) {
      withFile(source.path, "r", (fd) => {
        for (const entry of source.entries) {
          const record: HeaderFields = {
            ...entry,
            rawName: Buffer.concat([Buffer.from(source.prefix, "utf8"), entry.rawName]),
            // The sizes and CRC now sit in the headers, so no data descriptor follows the data.
            flags: entry.flags & ~FLAG_DATA_DESCRIPTOR,
          };
          const header = localHeader(record);
          central.push(centralHeader(record, offset));
          append(header);
          const start = dataOffset(fd, source.path, entry);
          for (let done = 0; done < entry.compressedSize; done += COPY_CHUNK) {
            const length = Math.min(COPY_CHUNK, entry.compressedSize - done);
            append(readAt(fd, source.path, start + done, length));
          }
          offset += header.length + entry.compressedSize;
        }
      });
    }
    const cd = Buffer.concat(central);
    append(cd);
    append(endOfCentralDirectory(central.length, cd.length, offset, output));
  });
}

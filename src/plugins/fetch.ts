/**
 * `npm run connectors:fetch`: downloads the connector zips the manifest lists into connectors/, checks
 * each against connectors.lock.json (recording the checksum on first download), and builds the plugin
 * zips that merge several sources. Nothing incomplete or unverified is ever left under a final name.
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UserError } from "../errors";
import {
  type ConnectorManifest,
  isExpectedJar,
  type PluginSpec,
  type SourceSpec,
  sameArtifactOtherVersion,
} from "./manifest";
import { type MergeInput, mergeZips, NotAZipError, readZipDirectory, ZipError } from "./zip";

const FETCH_COMMAND = "npm run connectors:fetch";
const MB = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Without a Content-Length, a progress line every this many bytes (a few lines for a 100 MB zip). */
const UNKNOWN_SIZE_STEP = 25 * MB;
/** On a TTY, redraw the progress line at most this often. */
const TTY_REDRAW_MS = 100;

/** A problem the user fixes (network, URL, checksum, manifest): one line naming the file or URL and the fix. */
export class ConnectorFetchError extends UserError {
  override name = "ConnectorFetchError";
}

/** connectors.lock.json: per source file, its sha256 at first download and where it came from. */
export type ConnectorLock = Record<string, { readonly sha256: string; readonly url: string }>;

/** Something with a `write`, e.g. `process.stdout` on a TTY: the progress line is redrawn there with `\r`. */
export interface ProgressStream {
  write(text: string): unknown;
}

export interface FetchConnectorsOptions {
  readonly manifest: ConnectorManifest;
  /** Folder holding the source zips and the built plugin zips, e.g. `connectors`. */
  readonly dir: string;
  /** Lock file path, e.g. `connectors/connectors.lock.json`; created if missing. */
  readonly lockFile: string;
  /**
   * Receives each message line (start and end of each download, checks, builds).
   * @default - silent
   */
  readonly log?: (line: string) => void;
  /**
   * Where download progress goes: `"lines"` logs a few lines per download through `log` (CI logs, pipes);
   * a stream gets one line redrawn in place with `\r` (a TTY).
   * @default "lines"
   */
  readonly progress?: "lines" | ProgressStream;
  /**
   * Redirects followed per download (the Confluent Hub and GitHub URLs redirect to a CDN).
   * @default 5
   */
  readonly maxRedirects?: number;
  /**
   * Give up when the server sends nothing for this long.
   * @default 30_000
   */
  readonly idleTimeoutMs?: number;
  /** Aborts the current download (e.g. on Ctrl-C); its partial file is removed. */
  readonly signal?: AbortSignal;
}

export interface SourceResult {
  readonly file: string;
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  /** downloaded: fetched now; verified: present and matching the lock; recorded: present, not locked, now is. */
  readonly status: "downloaded" | "verified" | "recorded";
}

export interface PluginResult {
  readonly id: string;
  readonly file: string;
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  /** True when the plugin zip was (re)built by merging its sources; false when it is its only source. */
  readonly built: boolean;
}

export interface FetchSummary {
  readonly sources: readonly SourceResult[];
  readonly plugins: readonly PluginResult[];
}

/** True when the plugin zip is its only source as downloaded; otherwise it is built from its sources. */
export function isSingleSourcePlugin(plugin: PluginSpec): boolean {
  return plugin.sources.length === 1 && plugin.sources[0]?.file === plugin.file;
}

/** How a plugin zip is assembled: the first source at the root, each later one under `<its file without .zip>/`. */
export function pluginMergeInputs(plugin: PluginSpec, dir: string): MergeInput[] {
  return plugin.sources.map((source, i) => ({
    path: join(dir, source.file),
    ...(i === 0 ? {} : { prefix: source.file.replace(/\.zip$/, "") }),
  }));
}

/**
 * Builds `<dir>/<plugin.file>` from its sources when it has to be merged; returns whether it did. Always
 * rebuilt rather than compared by mtime: the merge only copies bytes (~0.1 s for 100 MB) and is
 * deterministic, so the same sources give the same zip, hence the same S3 key, every time.
 */
export function buildPlugin(plugin: PluginSpec, dir: string): boolean {
  if (isSingleSourcePlugin(plugin)) return false;
  try {
    mergeZips(join(dir, plugin.file), pluginMergeInputs(plugin, dir));
  } catch (error) {
    if (error instanceof ZipError) {
      throw new ConnectorFetchError(
        `${plugin.file}: ${error.message}; check the sources of plugin ${plugin.id}`,
      );
    }
    throw error;
  }
  return true;
}

/** The lock file's text: keys sorted, two-space indent, trailing newline (stable diffs). */
export function formatLock(lock: ConnectorLock): string {
  const sorted: ConnectorLock = {};
  for (const file of Object.keys(lock).sort()) {
    const entry = lock[file] as ConnectorLock[string];
    sorted[file] = { sha256: entry.sha256, url: entry.url };
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Reads the lock file; a missing file is an empty lock. */
export function readLock(lockFile: string): ConnectorLock {
  if (!existsSync(lockFile)) return {};
  const invalid = (why: string) =>
    new ConnectorFetchError(`${lockFile}: invalid lock file: ${why}; restore it from git or fix it by hand`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(lockFile, "utf8"));
  } catch (error) {
    throw invalid((error as Error).message);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid('expected an object of { "<file>": { "sha256": ..., "url": ... } }');
  }
  const lock: ConnectorLock = {};
  for (const [file, entry] of Object.entries(parsed)) {
    const { sha256, url } = (entry ?? {}) as { sha256?: unknown; url?: unknown };
    if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256) || typeof url !== "string") {
      throw invalid(`entry ${file} must be { "sha256": "<64 hex digits>", "url": "<url>" }`);
    }
    lock[file] = { sha256, url };
  }
  return lock;
}

function writeLock(lockFile: string, lock: ConnectorLock): void {
  mkdirSync(dirname(lockFile), { recursive: true });
  const partial = `${lockFile}.partial`;
  writeFileSync(partial, formatLock(lock));
  renameSync(partial, lockFile);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

/** Progress of one download: a few log lines, or one line redrawn in place on a TTY. */
class Progress {
  private lastStep = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly file: string,
    private readonly total: number | undefined,
    private readonly output: "lines" | ProgressStream,
    private readonly log: (line: string) => void,
  ) {}

  private text(received: number): string {
    return this.total
      ? `downloading ${this.file}: ${Math.floor((received * 100) / this.total)}% (${mb(received)} of ${mb(this.total)} MB)`
      : `downloading ${this.file}: ${mb(received)} MB`;
  }

  update(received: number): void {
    if (this.output === "lines") {
      // Quarters when the size is known (25/50/75%; the end has its own line), else every 25 MB.
      const step = this.total
        ? Math.floor((received * 4) / this.total)
        : Math.floor(received / UNKNOWN_SIZE_STEP);
      if (step > this.lastStep && (!this.total || step < 4)) {
        this.lastStep = step;
        this.log(
          this.total
            ? `downloading ${this.file}: ${step * 25}% (${mb(received)} of ${mb(this.total)} MB)`
            : this.text(received),
        );
      }
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw < TTY_REDRAW_MS && received !== this.total) return;
    this.lastDraw = now;
    this.drawn = true;
    this.output.write(`\r${this.text(received)}\x1b[K`);
  }

  /** Ends the redrawn line, so whatever is printed next (the result or an error) starts on its own line. */
  end(): void {
    if (this.drawn && this.output !== "lines") this.output.write("\n");
    this.drawn = false;
  }
}

interface Downloaded {
  readonly sha256: string;
  readonly bytes: number;
  readonly contentType: string | undefined;
}

class Downloader {
  constructor(
    private readonly options: FetchConnectorsOptions,
    private readonly log: (line: string) => void,
  ) {}

  private interrupted(file: string): ConnectorFetchError {
    return new ConnectorFetchError(`${file}: download interrupted; nothing was kept`);
  }

  /** One GET, no redirects: resolves with the response once its headers arrive. */
  private get(url: URL, file: string, timeout: { fired: boolean }): Promise<http.IncomingMessage> {
    const idleMs = this.options.idleTimeoutMs ?? 30_000;
    const client = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      // agent: false: one connection per download, closed at the end, so the process can exit at once.
      const request = client.get(
        url,
        { agent: false, headers: { "user-agent": "cdc-lake connectors:fetch" }, signal: this.options.signal },
        resolve,
      );
      request.setTimeout(idleMs, () => {
        timeout.fired = true;
        request.destroy(new Error(`no data for ${idleMs / 1000} s`));
      });
      request.on("error", (error) => {
        if (this.options.signal?.aborted) reject(this.interrupted(file));
        else reject(this.networkError(file, url.href, error, timeout, 0));
      });
    });
  }

  private networkError(
    file: string,
    url: string,
    error: Error,
    timeout: { fired: boolean },
    received: number,
  ): ConnectorFetchError {
    const code = (error as NodeJS.ErrnoException).code;
    const why = timeout.fired
      ? error.message
      : error.message === "aborted"
        ? "the connection closed before the end of the body"
        : error.message;
    const after = received > 0 ? ` after ${received} bytes` : "";
    return new ConnectorFetchError(
      `${file}: GET ${url} failed${after}: ${why}${code && !why.includes(code) ? ` (${code})` : ""}; check the network connection, then run ${FETCH_COMMAND} again`,
    );
  }

  /** Follows redirects to a 2xx response; any other status is an error naming the URL and the status. */
  private async open(
    source: SourceSpec,
    timeout: { fired: boolean },
  ): Promise<{ response: http.IncomingMessage; url: string }> {
    const maxRedirects = this.options.maxRedirects ?? 5;
    let url = new URL(source.url);
    for (let redirects = 0; ; redirects++) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new ConnectorFetchError(
          `${source.file}: ${source.url} led to ${url.href}; expected an http or https URL`,
        );
      }
      const response = await this.get(url, source.file, timeout);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      const via = url.href === source.url ? "" : ` (redirected from ${source.url})`;
      if (REDIRECT_STATUSES.has(status) && location) {
        response.resume();
        if (redirects === maxRedirects) {
          throw new ConnectorFetchError(
            `${source.file}: ${source.url} redirected more than ${maxRedirects} times; check the source url in the connectors manifest`,
          );
        }
        url = new URL(location, url);
        continue;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        const fix =
          status >= 500 || status === 429
            ? `the server failed or is busy; run ${FETCH_COMMAND} again later`
            : "check the source url in the connectors manifest";
        throw new ConnectorFetchError(
          `${source.file}: GET ${url.href}${via} returned HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ""}; ${fix}`,
        );
      }
      return { response, url: url.href };
    }
  }

  /** Streams the source into `partial`, hashing on the way; throws (leaving `partial` to the caller) on any failure. */
  async download(source: SourceSpec, partial: string): Promise<Downloaded> {
    if (this.options.signal?.aborted) throw this.interrupted(source.file);
    const timeout = { fired: false };
    const { response, url } = await this.open(source, timeout);
    const length = Number(response.headers["content-length"]);
    const total = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    this.log(`downloading ${source.file}${total === undefined ? "" : ` (${mb(total)} MB)`} from ${url}`);
    const progress = new Progress(source.file, total, this.options.progress ?? "lines", this.log);
    const hash = createHash("sha256");
    let received = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        received += chunk.length;
        progress.update(received);
        done(null, chunk);
      },
    });
    // Opened synchronously so the file surely exists (and can be removed) whatever happens next.
    const out = createWriteStream(partial, { fd: openSync(partial, "w") });
    try {
      await pipeline(response, meter, out, { signal: this.options.signal });
    } catch (error) {
      if (this.options.signal?.aborted) throw this.interrupted(source.file);
      if (total !== undefined && received < total) throw this.truncated(source.file, url, received, total);
      throw this.networkError(source.file, url, error as Error, timeout, received);
    } finally {
      progress.end();
    }
    if (total !== undefined && received !== total) throw this.truncated(source.file, url, received, total);
    return { sha256: hash.digest("hex"), bytes: received, contentType: response.headers["content-type"] };
  }

  private truncated(file: string, url: string, received: number, total: number): ConnectorFetchError {
    return new ConnectorFetchError(
      `${file}: download from ${url} truncated: got ${received} of ${total} bytes; nothing was kept, run ${FETCH_COMMAND} again`,
    );
  }
}

/** Why a source zip is not the one the manifest describes, or undefined if it is. */
function jarProblem(path: string, source: SourceSpec): string | undefined {
  let entries: string[];
  try {
    entries = readZipDirectory(path).map((e) => e.name);
  } catch (error) {
    if (error instanceof NotAZipError) return "is not a zip file";
    if (error instanceof ZipError) return `is not a zip this tool reads (${error.message})`;
    throw error;
  }
  if (entries.some((e) => isExpectedJar(e, source.jar))) return undefined;
  const others = entries.filter((e) => sameArtifactOtherVersion(e, source.jar));
  const expected = `${source.jar.name}-${source.jar.version}.jar`;
  return others.length > 0 ? `holds ${others.join(", ")}, not ${expected}` : `holds no ${expected}`;
}

function checkManifest(manifest: ConnectorManifest): void {
  const sourceFiles = new Set(manifest.plugins.flatMap((p) => p.sources.map((s) => s.file)));
  const pluginFiles = new Set<string>();
  for (const plugin of manifest.plugins) {
    if (pluginFiles.has(plugin.file)) {
      throw new ConnectorFetchError(
        `connectors manifest: plugin file ${plugin.file} is used twice; expected one file per plugin`,
      );
    }
    pluginFiles.add(plugin.file);
    if (!isSingleSourcePlugin(plugin) && sourceFiles.has(plugin.file)) {
      throw new ConnectorFetchError(
        `connectors manifest: plugin ${plugin.id} is built from its sources into ${plugin.file}, which is also a source file; expected another name`,
      );
    }
  }
}

/**
 * Makes `dir` hold every source zip of the manifest (downloaded if missing, checked against the lock
 * either way) and every plugin zip (merged from its sources when it has several). Throws a
 * {@link ConnectorFetchError} on the first problem, leaving no partial or unverified file behind.
 */
export async function fetchConnectors(options: FetchConnectorsOptions): Promise<FetchSummary> {
  const { manifest, dir, lockFile } = options;
  const log = options.log ?? (() => {});
  checkManifest(manifest);
  const lock = readLock(lockFile);
  mkdirSync(dir, { recursive: true });
  const downloader = new Downloader(options, log);
  const sources = new Map<string, SourceResult>();

  for (const source of manifest.plugins.flatMap((p) => p.sources)) {
    if (sources.has(source.file)) continue;
    const path = join(dir, source.file);
    const locked = lock[source.file];
    let result: SourceResult;
    if (existsSync(path)) {
      const sha256 = await sha256File(path);
      if (locked && locked.sha256 !== sha256) {
        throw new ConnectorFetchError(
          `${path}: sha256 is ${sha256}, expected ${locked.sha256} (${lockFile}); delete ${path} and run ${FETCH_COMMAND} again, or update its entry in ${lockFile} if the vendor republished it`,
        );
      }
      const problem = jarProblem(path, source);
      if (problem) {
        throw new ConnectorFetchError(
          `${path} ${problem}; delete it and run ${FETCH_COMMAND} again, or fix its source in the connectors manifest`,
        );
      }
      result = {
        file: source.file,
        path,
        sha256,
        bytes: statSync(path).size,
        status: locked ? "verified" : "recorded",
      };
      log(`${locked ? "verified" : "recorded"} ${path} (sha256 ${sha256.slice(0, 12)})`);
    } else {
      const partial = `${path}.partial`;
      try {
        const got = await downloader.download(source, partial);
        if (locked && locked.sha256 !== got.sha256) {
          throw new ConnectorFetchError(
            `${source.file}: sha256 of the download from ${source.url} is ${got.sha256}, expected ${locked.sha256} (${lockFile}); nothing was kept. Run ${FETCH_COMMAND} again, or update its entry in ${lockFile} if the vendor republished it`,
          );
        }
        // Before recording a checksum: an HTML error page served with 200, or the wrong version, is caught here.
        const problem = jarProblem(partial, source);
        if (problem) {
          const type = got.contentType ? `, ${got.contentType}` : "";
          throw new ConnectorFetchError(
            `${source.file}: the download from ${source.url} (${got.bytes} bytes${type}) ${problem}; nothing was kept, check the source url and jar in the connectors manifest`,
          );
        }
        renameSync(partial, path);
        result = { file: source.file, path, sha256: got.sha256, bytes: got.bytes, status: "downloaded" };
      } catch (error) {
        rmSync(partial, { force: true });
        throw error;
      }
      log(`downloaded ${path}: ${mb(result.bytes)} MB, sha256 ${result.sha256.slice(0, 12)}`);
    }
    if (!locked) {
      lock[source.file] = { sha256: result.sha256, url: source.url };
      // Written after each new entry, so a later failure keeps the checksums already recorded.
      writeLock(lockFile, lock);
    }
    sources.set(source.file, result);
  }

  const plugins: PluginResult[] = [];
  for (const plugin of manifest.plugins) {
    const built = buildPlugin(plugin, dir);
    const path = join(dir, plugin.file);
    if (built) log(`built ${path} from ${plugin.sources.length} sources`);
    const sha256 = isSingleSourcePlugin(plugin)
      ? (sources.get(plugin.file) as SourceResult).sha256
      : await sha256File(path);
    plugins.push({ id: plugin.id, file: plugin.file, path, sha256, bytes: statSync(path).size, built });
  }
  return { sources: [...sources.values()], plugins };
}

/**
 * `npm run connectors:fetch`: downloads the connector zips the manifest lists into connectors/, checks
 * each against connectors.lock.json (recording the checksum on first download), and builds the plugin
 * zips that merge several sources. Nothing incomplete or unverified is ever left under a final name.
 *
 * The lock file pins every file (src/plugins/lock.ts): a pin still `null` is recorded by the first fetch
 * that gets the file, a recorded one is verified, and only `updatePins` (`--update-pin <file>`) changes one.
 *
 * Every download is bounded: an overall deadline, a stall (idle) timeout, a size cap (refused from the
 * Content-Length before a byte is written, else as soon as the count passes it), a redirect cap, and no
 * redirect from https down to http. Requests honour HTTP_PROXY, HTTPS_PROXY and NO_PROXY (lower case
 * too) through undici's EnvHttpProxyAgent. A run holds a lock file in the folder, so two runs at once
 * take turns; temporary files have names unique to their process and are removed on any failure, on
 * Ctrl-C and on exit. File-system failures (disk full, permissions, read-only) are reported as such.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  promises as fsPromises,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
// undici's own fetch with its own dispatcher: a dispatcher of one undici major handed to Node's built-in
// fetch (another major, which changes with the Node version) can be rejected ("invalid onError method").
import { type Dispatcher, EnvHttpProxyAgent, fetch } from "undici";
import { UserError } from "../errors";
import {
  type BuiltPin,
  type ConnectorLock,
  ConnectorLockError,
  FETCH_COMMAND,
  formatLock,
  lockForManifest,
  readLock,
  type SourcePin,
  updatePinCommand,
} from "./lock";
import {
  type ConnectorManifest,
  isExpectedJar,
  type PluginSpec,
  type SourceSpec,
  sameArtifactOtherVersion,
} from "./manifest";
import {
  DuplicateZipEntryError,
  type MergeInput,
  mergeZips,
  NotAZipError,
  readZipDirectory,
  temporaryPath,
  UnsafeZipEntryError,
  ZipError,
} from "./zip";

export { type ConnectorLock, formatLock, readLock } from "./lock";

const MB = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Without a Content-Length, a progress line every this many bytes (a few lines for a 100 MB zip). */
const UNKNOWN_SIZE_STEP = 25 * MB;
/** On a TTY, redraw the progress line at most this often. */
const TTY_REDRAW_MS = 100;
/**
 * Overall time per download: the largest source (the Confluent S3 sink zip, on the order of 100 MB) at
 * about 60 KB/s (half a megabit per second), the slowest link worth waiting on.
 */
export const DEFAULT_DEADLINE_MS = 30 * 60_000;
/** A connection that sends nothing for this long (connecting, before the headers, or mid-body) is dead. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/**
 * Largest download accepted: several times the largest real source (Debezium PostgreSQL a few MB, the
 * MSK config providers with dependencies tens of MB, the S3 sink on the order of 100 MB), far below what
 * would fill a disk. A source can raise it with `maxMB` in the manifest.
 */
export const DEFAULT_MAX_BYTES = 512 * MB;
/** How long a run waits for another run holding the folder lock (each download of it is bounded anyway). */
export const DEFAULT_LOCK_WAIT_MS = 60 * 60_000;
/** The folder lock: held by the run in progress, naming its process. */
export const FOLDER_LOCK_FILE = ".connectors-fetch.lock";
const LOCK_POLL_MS = 100;
/** A lock file that cannot be parsed (a crash while writing it) is stale after this long. */
const UNREADABLE_LOCK_STALE_MS = 10_000;

/** A problem the user fixes (network, URL, checksum, manifest): one line naming the file or URL and the fix. */
export class ConnectorFetchError extends UserError {
  override name = "ConnectorFetchError";
}

/** Something with a `write`, e.g. `process.stdout` on a TTY: the progress line is redrawn there with `\r`. */
export interface ProgressStream {
  write(text: string): unknown;
}

/** Where a download's bytes go: a temporary file. Both methods reject with the file system's error. */
export interface DownloadSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
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
   * Redirects followed per download (the Confluent Hub and GitHub URLs redirect to a CDN). A redirect from
   * https to http, or to another scheme, is refused whatever this says.
   * @default 5
   */
  readonly maxRedirects?: number;
  /**
   * Give up when the server sends nothing for this long (connecting, waiting for headers, or mid-body).
   * @default DEFAULT_IDLE_TIMEOUT_MS (30 s)
   */
  readonly idleTimeoutMs?: number;
  /**
   * Give up on a download that has not finished this long after its first request (redirects included),
   * however steadily bytes trickle in.
   * @default DEFAULT_DEADLINE_MS (30 min)
   */
  readonly deadlineMs?: number;
  /**
   * Largest download accepted, in bytes, for a source without its own `maxMB` in the manifest.
   * @default DEFAULT_MAX_BYTES (512 MB)
   */
  readonly maxBytes?: number;
  /**
   * How long to wait for another run holding the folder lock before failing.
   * @default DEFAULT_LOCK_WAIT_MS (60 min)
   */
  readonly lockWaitMs?: number;
  /**
   * Sends the HTTP requests.
   * @default - an undici EnvHttpProxyAgent: HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or lower case) from the
   * environment at the start of the run; closed at the end
   */
  readonly dispatcher?: Dispatcher;
  /**
   * Creates (exclusively) the temporary file a download is written to.
   * @default - node:fs
   */
  readonly openFile?: (path: string) => Promise<DownloadSink>;
  /** Aborts the current download (e.g. on Ctrl-C); its partial file is removed. */
  readonly signal?: AbortSignal;
  /**
   * Files (sources or built plugin zips) whose recorded pin this run replaces with what it gets: the
   * explicit way to accept a file the vendor republished, or a change of the merge. A plugin built from an
   * updated source is pinned again too.
   * @default - none: every recorded pin is verified
   */
  readonly updatePins?: readonly string[];
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
  /** Files whose pin this run recorded or replaced in the lock file: a diff to review and commit. */
  readonly pinned: readonly string[];
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

function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

/** A byte count for a message: exact when small, in MB when large. */
function amount(bytes: number): string {
  return bytes < MB ? `${bytes} bytes` : `${mb(bytes)} MB`;
}

/** What a download got so far, for a message: `received 5 of 100 bytes`, `received 12.0 MB`. */
function receivedText(received: number, total: number | undefined): string {
  if (total === undefined) return `received ${amount(received)}`;
  return total < MB
    ? `received ${received} of ${total} bytes`
    : `received ${mb(received)} of ${mb(total)} MB`;
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * One line for a file-system failure the user fixes (disk full, quota, permissions, read-only), naming
 * the file, its folder and the fix; undefined for any other error. `needBytes`: space the step needs.
 */
export function fileSystemError(
  error: unknown,
  path: string,
  needBytes?: number,
): ConnectorFetchError | undefined {
  const dir = dirname(path);
  const need =
    needBytes === undefined ? "some space" : `at least ${Math.max(1, Math.ceil(needBytes / MB))} MB`;
  const again = `run ${FETCH_COMMAND} again`;
  switch (errnoCode(error)) {
    case "ENOSPC":
      return new ConnectorFetchError(
        `${path}: no space left on the device holding ${dir}; free ${need} there and ${again}`,
      );
    case "EDQUOT":
      return new ConnectorFetchError(
        `${path}: disk quota exceeded in ${dir}; free ${need} there (or have your quota raised) and ${again}`,
      );
    case "EACCES":
    case "EPERM":
      return new ConnectorFetchError(
        `${path}: permission denied (${errnoCode(error)}); give this user read and write access to ${dir} (or pass --dir <a folder you own>) and ${again}`,
      );
    case "EROFS":
      return new ConnectorFetchError(
        `${path}: ${dir} is on a read-only file system; pass --dir <a folder on a writable disk> and ${again}`,
      );
    default:
      return undefined;
  }
}

/** Removes a file if present, never throwing: cleanup must not hide the error that caused it. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing more to do: the error being reported matters more.
  }
}

/**
 * Builds `<dir>/<plugin.file>` from its sources when it has to be merged; returns whether it did. Always
 * rebuilt rather than compared by mtime: the merge only copies bytes (~0.1 s for 100 MB) and is
 * deterministic, so the same sources give the same zip, hence the same S3 key, every time.
 */
export function buildPlugin(plugin: PluginSpec, dir: string): boolean {
  if (isSingleSourcePlugin(plugin)) return false;
  const output = join(dir, plugin.file);
  const inputs = pluginMergeInputs(plugin, dir);
  try {
    mergeZips(output, inputs);
  } catch (error) {
    if (error instanceof ZipError) {
      throw new ConnectorFetchError(
        `${plugin.file}: ${error.message}; check the sources of plugin ${plugin.id}`,
      );
    }
    const need = inputs.reduce(
      (sum, input) => sum + (existsSync(input.path) ? statSync(input.path).size : 0),
      0,
    );
    throw fileSystemError(error, output, need) ?? error;
  }
  return true;
}

/** Replaces the lock file atomically, through a temporary name no other process uses. */
function writeLock(lockFile: string, lock: ConnectorLock): void {
  const text = formatLock(lock);
  const temp = temporaryPath(lockFile);
  try {
    mkdirSync(dirname(lockFile), { recursive: true });
    writeFileSync(temp, text, { flag: "wx" });
    renameSync(temp, lockFile);
  } catch (error) {
    removeQuietly(temp);
    throw fileSystemError(error, lockFile, text.length) ?? error;
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
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
      if (!this.total) {
        if (step > this.lastStep) {
          this.lastStep = step;
          this.log(this.text(received));
        }
        return;
      }
      // Each quarter once, even when one chunk crosses two of them; none once it is all there (the end
      // has its own line).
      while (step < 4 && this.lastStep < step) {
        this.lastStep += 1;
        this.log(
          `downloading ${this.file}: ${this.lastStep * 25}% (${mb(received)} of ${mb(this.total)} MB)`,
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

/** Creates `path` (never an existing file) and writes to it with node:fs. */
async function openFileForWriting(path: string): Promise<DownloadSink> {
  const handle = await fsPromises.open(path, "wx");
  return {
    async write(chunk) {
      for (let done = 0; done < chunk.length; ) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
        if (bytesWritten <= 0)
          throw Object.assign(new Error("the file system accepted no bytes"), { code: "EIO" });
        done += bytesWritten;
      }
    },
    close: () => handle.close(),
  };
}

/** A failure of the file being written, told apart from the network's. */
class SinkFailure extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** The innermost error: undici's "fetch failed" and "terminated" wrap the socket's error. */
function rootCause(error: unknown): Error {
  let current = error as Error & { cause?: unknown; errors?: unknown[] };
  for (let depth = 0; depth < 5; depth++) {
    const next = current.cause ?? (current.message ? undefined : current.errors?.[0]);
    if (!(next instanceof Error)) break;
    current = next as typeof current;
  }
  return current;
}

const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

/** The proxy variables set, credentials hidden: for the fix of a network error. */
function proxySettings(): string {
  return PROXY_VARIABLES.filter((name) => process.env[name])
    .map((name) => `${name}=${(process.env[name] as string).replace(/\/\/[^/@]*@/, "//***@")}`)
    .join(", ");
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

interface Downloaded {
  readonly sha256: string;
  readonly bytes: number;
  readonly contentType: string | undefined;
}

type Response = Awaited<ReturnType<typeof fetch>>;

class Downloader {
  constructor(
    private readonly options: FetchConnectorsOptions,
    private readonly log: (line: string) => void,
    private readonly dispatcher: Dispatcher,
  ) {}

  private maxBytes(source: SourceSpec): number {
    return source.maxMB === undefined
      ? (this.options.maxBytes ?? DEFAULT_MAX_BYTES)
      : Math.floor(source.maxMB * MB);
  }

  private capFix(source: SourceSpec): string {
    return source.maxMB === undefined
      ? `set "maxMB" on its source in the connectors manifest (or pass --max-mb <MB>)`
      : `raise "maxMB" of its source in the connectors manifest`;
  }

  /**
   * One GET per hop, following redirects by hand: a redirect from https to http (or to another scheme)
   * is refused, and at most `maxRedirects` are followed. Resolves with a 2xx response.
   */
  private async open(
    source: SourceSpec,
    signal: AbortSignal,
    at: { url: string },
    idle: NodeJS.Timeout,
  ): Promise<Response> {
    const maxRedirects = this.options.maxRedirects ?? 5;
    let url = new URL(source.url);
    for (let redirects = 0; ; redirects++) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new ConnectorFetchError(
          `${source.file}: ${source.url} is not an http or https URL; check the source url in the connectors manifest`,
        );
      }
      at.url = url.href;
      const response = await fetch(url, {
        dispatcher: this.dispatcher,
        redirect: "manual",
        signal,
        // identity: the bytes as published (their sha256 is what the lock records), no decoding on the way.
        headers: { "user-agent": "cdc-lake connectors:fetch", "accept-encoding": "identity" },
      });
      idle.refresh();
      const status = response.status;
      const location = response.headers.get("location");
      if (REDIRECT_STATUSES.has(status) && location) {
        await response.body?.cancel().catch(() => {});
        if (redirects === maxRedirects) {
          throw new ConnectorFetchError(
            `${source.file}: ${source.url} redirected more than ${maxRedirects} times; check the source url in the connectors manifest`,
          );
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new ConnectorFetchError(
            `${source.file}: ${url.href} redirected to an invalid location ${JSON.stringify(location)}; check the source url in the connectors manifest`,
          );
        }
        if (next.protocol !== "http:" && next.protocol !== "https:") {
          throw new ConnectorFetchError(
            `${source.file}: ${url.href} redirected to ${next.href}, which is not an http or https URL; refused, check the source url in the connectors manifest`,
          );
        }
        if (url.protocol === "https:" && next.protocol === "http:") {
          throw new ConnectorFetchError(
            `${source.file}: ${url.href} redirected to ${next.href}, from https down to plain http; refused, as the download could be altered on the way. Check the source url in the connectors manifest (use the https URL the vendor publishes)`,
          );
        }
        url = next;
        continue;
      }
      if (status < 200 || status >= 300) {
        await response.body?.cancel().catch(() => {});
        const via = url.href === source.url ? "" : ` (redirected from ${source.url})`;
        const fix =
          status >= 500 || status === 429
            ? `the server failed or is busy; run ${FETCH_COMMAND} again later`
            : "check the source url in the connectors manifest";
        throw new ConnectorFetchError(
          `${source.file}: GET ${url.href}${via} returned HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}; ${fix}`,
        );
      }
      return response;
    }
  }

  /**
   * Streams the source into `temp` (created here, after the response's headers), hashing on the way;
   * `path` is the final name, for messages. Throws a {@link ConnectorFetchError} on any failure, leaving
   * `temp` to the caller to remove.
   */
  async download(source: SourceSpec, temp: string, path: string): Promise<Downloaded> {
    const file = source.file;
    const deadlineMs = this.options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const cap = this.maxBytes(source);
    const controller = new AbortController();
    let stopped: "interrupted" | "deadline" | "idle" | undefined;
    const stop = (why: NonNullable<typeof stopped>) => {
      stopped ??= why;
      controller.abort();
    };
    const deadline = setTimeout(() => stop("deadline"), deadlineMs);
    const idle = setTimeout(() => stop("idle"), idleMs);
    const onAbort = () => stop("interrupted");
    this.options.signal?.addEventListener("abort", onAbort);
    if (this.options.signal?.aborted) stop("interrupted");

    const at = { url: source.url };
    let received = 0;
    let total: number | undefined;
    let progress: Progress | undefined;
    let sink: DownloadSink | undefined;
    let sinkOpen = false;
    try {
      if (stopped) throw new Error(stopped);
      const response = await this.open(source, controller.signal, at, idle);
      const length = Number(response.headers.get("content-length") ?? Number.NaN);
      total = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
      if (total !== undefined && total > cap) {
        throw new ConnectorFetchError(
          `${file}: ${at.url} announces ${amount(total)} (Content-Length ${total}), over the ${amount(cap)} cap; nothing was downloaded. If the file really is that big, ${this.capFix(source)} and run ${FETCH_COMMAND} again; otherwise check the source url in the connectors manifest`,
        );
      }
      this.log(`downloading ${file}${total === undefined ? "" : ` (${mb(total)} MB)`} from ${at.url}`);
      progress = new Progress(file, total, this.options.progress ?? "lines", this.log);
      try {
        sink = await (this.options.openFile ?? openFileForWriting)(temp);
        sinkOpen = true;
      } catch (error) {
        throw new SinkFailure(error);
      }
      const hash = createHash("sha256");
      const reader = response.body?.getReader();
      // Bounded: each read either ends the body, brings bytes, or rejects once the download is stopped.
      for (;;) {
        if (stopped || !reader) break;
        const { done, value } = await reader.read();
        if (done) break;
        idle.refresh();
        received += value.length;
        if (received > cap) {
          throw new ConnectorFetchError(
            `${file}: the download from ${at.url} passed the ${amount(cap)} cap (${receivedText(received, total)}); nothing was kept. If the file really is that big, ${this.capFix(source)} and run ${FETCH_COMMAND} again; otherwise check the source url in the connectors manifest`,
          );
        }
        hash.update(value);
        progress.update(received);
        try {
          await sink.write(value);
        } catch (error) {
          throw new SinkFailure(error);
        }
        idle.refresh();
      }
      if (stopped) throw new Error(stopped);
      sinkOpen = false;
      try {
        await sink.close();
      } catch (error) {
        throw new SinkFailure(error);
      }
      if (total !== undefined && received !== total) throw this.truncated(file, at.url, received, total);
      return {
        sha256: hash.digest("hex"),
        bytes: received,
        contentType: response.headers.get("content-type") ?? undefined,
      };
    } catch (error) {
      // Stop the transfer at once: the connection is closed, nothing more is read.
      controller.abort();
      if (error instanceof ConnectorFetchError) throw error;
      const got = receivedText(received, total);
      if (stopped === "interrupted") throw interrupted(file);
      if (stopped === "deadline") {
        throw new ConnectorFetchError(
          `${file}: GET ${at.url} did not finish within the ${seconds(deadlineMs)} deadline (${got}); nothing was kept. Check the network connection, or on a slow link allow more time: ${FETCH_COMMAND} -- --deadline <seconds>`,
        );
      }
      if (stopped === "idle") {
        throw new ConnectorFetchError(
          `${file}: GET ${at.url} stalled: no data for ${seconds(idleMs)} (${got}); nothing was kept. Check the network connection${this.proxyFix()}, then run ${FETCH_COMMAND} again (--idle-timeout <seconds> allows longer stalls)`,
        );
      }
      if (error instanceof SinkFailure) {
        const need = Math.max(total ?? 0, received);
        throw (
          fileSystemError(error.cause, path, need) ??
          new ConnectorFetchError(
            `${path}: writing the download failed: ${error.message}; nothing was kept, check the disk of ${dirname(path)} and run ${FETCH_COMMAND} again`,
          )
        );
      }
      if (total !== undefined && received < total) throw this.truncated(file, at.url, received, total);
      throw this.networkError(file, at.url, error, received);
    } finally {
      clearTimeout(deadline);
      clearTimeout(idle);
      this.options.signal?.removeEventListener("abort", onAbort);
      progress?.end();
      if (sinkOpen) await sink?.close().catch(() => {});
    }
  }

  private proxyFix(): string {
    const settings = this.options.dispatcher ? "" : proxySettings();
    return settings ? ` and the proxy settings (${settings})` : "";
  }

  private networkError(file: string, url: string, error: unknown, received: number): ConnectorFetchError {
    const cause = rootCause(error);
    const code = errnoCode(cause);
    const closed = ["other side closed", "terminated", "aborted"].includes(cause.message);
    const why = closed
      ? "the connection closed before the end of the body"
      : cause.message || code || String(error);
    const after = received > 0 ? ` after ${amount(received)}` : "";
    return new ConnectorFetchError(
      `${file}: GET ${url} failed${after}: ${why}${code && !why.includes(code) ? ` (${code})` : ""}; check the network connection${this.proxyFix()}, then run ${FETCH_COMMAND} again`,
    );
  }

  private truncated(file: string, url: string, received: number, total: number): ConnectorFetchError {
    return new ConnectorFetchError(
      `${file}: download from ${url} truncated: got ${received} of ${total} bytes; nothing was kept, run ${FETCH_COMMAND} again`,
    );
  }
}

function interrupted(file: string): ConnectorFetchError {
  return new ConnectorFetchError(`${file}: download interrupted; nothing was kept`);
}

/** Why a source zip is not the one the manifest describes, or undefined if it is. */
function jarProblem(path: string, source: SourceSpec): { problem: string; unsafe: boolean } | undefined {
  let entries: string[];
  try {
    entries = readZipDirectory(path).map((e) => e.name);
  } catch (error) {
    if (error instanceof NotAZipError) return { problem: "is not a zip file", unsafe: false };
    if (error instanceof UnsafeZipEntryError) {
      return {
        problem: `holds the unsafe entry name ${JSON.stringify(error.entry)} (${error.reason}), which could write outside the plugin folder (zip-slip)`,
        unsafe: true,
      };
    }
    if (error instanceof DuplicateZipEntryError) {
      const both = error.entry === error.other ? "twice" : `twice (as ${JSON.stringify(error.other)} too)`;
      return { problem: `holds the entry ${JSON.stringify(error.entry)} ${both}`, unsafe: true };
    }
    if (error instanceof ZipError)
      return { problem: `is not a zip this tool reads (${error.message})`, unsafe: false };
    throw error;
  }
  if (entries.some((e) => isExpectedJar(e, source.jar))) return undefined;
  const others = entries.filter((e) => sameArtifactOtherVersion(e, source.jar));
  const expected = `${source.jar.name}-${source.jar.version}.jar`;
  return {
    problem: others.length > 0 ? `holds ${others.join(", ")}, not ${expected}` : `holds no ${expected}`,
    unsafe: false,
  };
}

function checkManifest(manifest: ConnectorManifest, updatePins: readonly string[]): void {
  const sourceFiles = new Set(manifest.plugins.flatMap((p) => p.sources.map((s) => s.file)));
  const pinnable = [...new Set([...sourceFiles, ...manifest.plugins.map((p) => p.file)])].sort();
  for (const file of updatePins) {
    if (!pinnable.includes(file)) {
      throw new ConnectorFetchError(
        `--update-pin ${file}: not a file of the connectors manifest; expected one of ${pinnable.join(", ")}`,
      );
    }
  }
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

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

/** True when a process with this id runs on this machine (EPERM: it does, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

interface LockHolder {
  /** The file's text, to remove it only if it is still the same lock. */
  readonly text: string;
  readonly pid?: number;
  readonly host?: string;
  readonly started?: string;
  readonly token?: string;
  readonly mtimeMs: number;
}

/**
 * `<dir>/.connectors-fetch.lock`: one run at a time per folder. Created atomically with its content (a
 * hard link of a complete temporary file), naming the process that holds it. A lock whose process no
 * longer runs on this machine (killed, crashed) is stale and taken over; one held by a live process is
 * waited for, up to a limit.
 */
class FolderLock {
  readonly path: string;
  private readonly token = randomBytes(8).toString("hex");
  private held = false;

  constructor(private readonly dir: string) {
    this.path = join(dir, FOLDER_LOCK_FILE);
  }

  /** Creates the lock if no one holds it; false if someone does. */
  private tryCreate(text: string): boolean {
    const temp = temporaryPath(this.path);
    try {
      writeFileSync(temp, text, { flag: "wx" });
      try {
        linkSync(temp, this.path);
        return true;
      } catch (error) {
        const code = errnoCode(error);
        // EEXIST: held; ENOENT: the temporary file vanished (removed as a leftover): try again.
        if (code === "EEXIST" || code === "ENOENT") return false;
        // File systems without hard links: an exclusive create (its content follows at once).
        if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") throw error;
      }
      let fd: number;
      try {
        fd = openSync(this.path, "wx");
      } catch (error) {
        if (errnoCode(error) === "EEXIST") return false;
        throw error;
      }
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (error) {
      throw fileSystemError(error, this.path) ?? error;
    } finally {
      removeQuietly(temp);
    }
  }

  /** The current holder, or undefined if the lock is gone. */
  private holder(): LockHolder | undefined {
    let text: string;
    let mtimeMs: number;
    try {
      text = readFileSync(this.path, "utf8");
      mtimeMs = statSync(this.path).mtimeMs;
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return undefined;
      throw fileSystemError(error, this.path) ?? error;
    }
    try {
      const { pid, host, started, token } = JSON.parse(text) as Record<string, unknown>;
      if (typeof pid === "number" && typeof host === "string") {
        return {
          text,
          pid,
          host,
          mtimeMs,
          ...(typeof started === "string" ? { started } : {}),
          ...(typeof token === "string" ? { token } : {}),
        };
      }
    } catch {
      // Unreadable: judged by its age below.
    }
    return { text, mtimeMs };
  }

  private isStale(holder: LockHolder): boolean {
    if (holder.pid === undefined) return Date.now() - holder.mtimeMs > UNREADABLE_LOCK_STALE_MS;
    // A lock from another machine (a shared folder) cannot be checked: it is respected.
    return holder.host === hostname() && holder.pid !== process.pid && !isRunning(holder.pid);
  }

  /** Removes the lock if it is still `holder`'s (another run may have replaced it meanwhile). */
  private removeIfUnchanged(holder: LockHolder): boolean {
    try {
      if (readFileSync(this.path, "utf8") !== holder.text) return false;
      rmSync(this.path);
      return true;
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return false;
      throw fileSystemError(error, this.path) ?? error;
    }
  }

  private describe(holder: LockHolder | undefined): string {
    if (holder?.pid === undefined) return "another fetch is running";
    const host = holder.host === hostname() ? "" : ` on ${holder.host}`;
    const since = holder.started ? `, since ${holder.started}` : "";
    return `another fetch is running (pid ${holder.pid}${host}${since})`;
  }

  /** Takes the lock, waiting up to `waitMs` for a live holder; throws when the wait ends or `signal` aborts. */
  async acquire(waitMs: number, log: (line: string) => void, signal: AbortSignal | undefined): Promise<void> {
    const text = `${JSON.stringify({
      pid: process.pid,
      host: hostname(),
      started: new Date().toISOString(),
      token: this.token,
    })}\n`;
    const until = Date.now() + waitMs;
    let waiting = false;
    // Bounded: every pass either takes the lock, removes a stale one (a few quick retries), or waits a
    // poll interval towards `until`, after which it throws.
    for (let pass = 0; ; pass++) {
      if (signal?.aborted) {
        throw new ConnectorFetchError(
          `${this.dir}: interrupted while waiting for the lock; nothing was changed`,
        );
      }
      if (this.tryCreate(text)) {
        this.held = true;
        return;
      }
      const holder = this.holder();
      if (holder && this.isStale(holder) && this.removeIfUnchanged(holder)) {
        log(
          `removed the stale lock ${this.path}${holder.pid === undefined ? "" : ` of pid ${holder.pid}, which is no longer running`}`,
        );
      }
      const quickRetry = (!holder || this.isStale(holder)) && pass < 10;
      if (quickRetry) continue;
      if (Date.now() >= until) {
        throw new ConnectorFetchError(
          `${this.dir}: ${this.describe(holder)} and holds ${this.path}; gave up after ${seconds(waitMs)}. Wait for it to finish and run ${FETCH_COMMAND} again, or, if no fetch is running, delete ${this.path}`,
        );
      }
      if (!waiting) {
        log(`waiting: ${this.describe(holder)} and holds ${this.path}`);
        waiting = true;
      }
      await sleep(Math.min(LOCK_POLL_MS, Math.max(0, until - Date.now())), signal);
    }
  }

  /** Removes the lock if this run holds it. Synchronous: also called on process exit. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      const { token } = JSON.parse(readFileSync(this.path, "utf8")) as { token?: unknown };
      if (token === this.token) rmSync(this.path, { force: true });
    } catch {
      // Already gone, or replaced by someone who judged it stale: not ours to remove.
    }
  }
}

/**
 * Temporary files of zips and of the lock file: `.<name>.<pid>-<12 hex>.partial`, and `<name>.partial` of
 * older versions. Not those of the folder lock: a run waiting for it writes one while trying to take it.
 */
const TEMPORARY_NAME = /^(\..+\.(zip|json)\.\d+-[0-9a-f]{12}|.+\.(zip|json))\.partial$/;

/**
 * Removes temporary files a killed run (SIGKILL, power cut) left in `dir`. Called under the folder lock,
 * so no other run is writing them.
 */
function removeLeftovers(dir: string, log: (line: string) => void): void {
  for (const name of readdirSync(dir)) {
    if (!TEMPORARY_NAME.test(name)) continue;
    removeQuietly(join(dir, name));
    log(`removed ${join(dir, name)}, left by an interrupted run`);
  }
}

/**
 * Makes `dir` hold every source zip of the manifest (downloaded if missing, checked against the lock
 * either way) and every plugin zip (merged from its sources when it has several). Throws a
 * {@link ConnectorFetchError} on the first problem, leaving no partial or unverified file behind and the
 * lock file as it was (bar the entries of sources completed before the failure).
 *
 * Runs into the same folder take turns (a lock file names the run in progress); temporary files are
 * removed on failure, on `signal`, and on process exit.
 */
export async function fetchConnectors(options: FetchConnectorsOptions): Promise<FetchSummary> {
  const { manifest, dir } = options;
  const log = options.log ?? (() => {});
  checkManifest(manifest, options.updatePins ?? []);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw fileSystemError(error, dir) ?? error;
  }
  const folderLock = new FolderLock(dir);
  const temps = new Set<string>();
  const cleanup = () => {
    for (const temp of temps) removeQuietly(temp);
    temps.clear();
    folderLock.release();
  };
  // process.exit() (a second Ctrl-C, say) skips finally blocks: remove what this run left, synchronously.
  process.on("exit", cleanup);
  const dispatcher = options.dispatcher ?? new EnvHttpProxyAgent();
  try {
    await folderLock.acquire(options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, log, options.signal);
    removeLeftovers(dir, log);
    return await fetchLocked(options, log, new Downloader(options, log, dispatcher), temps);
  } catch (error) {
    const path = (error as NodeJS.ErrnoException | undefined)?.path;
    throw (typeof path === "string" && fileSystemError(error, path)) || error;
  } finally {
    cleanup();
    process.removeListener("exit", cleanup);
    if (!options.dispatcher) await dispatcher.destroy().catch(() => {});
  }
}

async function fetchLocked(
  options: FetchConnectorsOptions,
  log: (line: string) => void,
  downloader: Downloader,
  temps: Set<string>,
): Promise<FetchSummary> {
  const { manifest, dir, lockFile, signal } = options;
  const update = new Set(options.updatePins ?? []);
  // Read under the folder lock: a run that held it before may have recorded pins.
  const lock = lockForManifest(manifest, readLockForFetch(lockFile));
  const sources = new Map<string, SourceResult>();
  const pinned: string[] = [];
  /** Records `sha256` as the pin of `file`, written at once: a later failure keeps the pins already recorded. */
  const pin = (file: string, entry: SourcePin | BuiltPin, sha256: string) => {
    if (entry.sha256 === sha256) return;
    if (entry.sha256) {
      log(
        `updated the pin of ${file} in ${lockFile}: sha256 ${entry.sha256.slice(0, 12)} is now ${sha256.slice(0, 12)}`,
      );
    }
    lock[file] = { ...entry, sha256 };
    pinned.push(file);
    writeLock(lockFile, lock);
  };

  for (const source of manifest.plugins.flatMap((p) => p.sources)) {
    if (sources.has(source.file)) continue;
    if (signal?.aborted) throw interrupted(source.file);
    const path = join(dir, source.file);
    const entry = lock[source.file] as SourcePin;
    const locked = update.has(source.file) ? undefined : (entry.sha256 ?? undefined);
    let result: SourceResult;
    if (existsSync(path)) {
      const sha256 = await sha256File(path);
      if (locked && locked !== sha256) {
        throw new ConnectorFetchError(
          `${path}: sha256 is ${sha256}, expected ${locked} (${lockFile}); delete ${path} and run ${FETCH_COMMAND} again, or, if the vendor republished it, check why and run ${updatePinCommand(source.file)}`,
        );
      }
      const problem = jarProblem(path, source);
      if (problem) {
        throw new ConnectorFetchError(
          `${path} ${problem.problem}; delete it and run ${FETCH_COMMAND} again, or fix its source in the connectors manifest`,
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
      // A name no other run uses: two runs never write into, rename or delete each other's file.
      const temp = temporaryPath(path);
      temps.add(temp);
      try {
        const got = await downloader.download(source, temp, path);
        if (locked && locked !== got.sha256) {
          throw new ConnectorFetchError(
            `${source.file}: sha256 of the download from ${source.url} is ${got.sha256}, expected ${locked} (${lockFile}); nothing was kept. Run ${FETCH_COMMAND} again, or, if the vendor republished it, check why and run ${updatePinCommand(source.file)}`,
          );
        }
        // Before recording a checksum: an HTML error page served with 200, the wrong version, or a zip
        // with entries that would land outside the plugin folder is caught here.
        const problem = jarProblem(temp, source);
        if (problem) {
          const type = got.contentType ? `, ${got.contentType}` : "";
          const fix = problem.unsafe
            ? "the zip is malformed or was tampered with: check the source url in the connectors manifest and where it leads"
            : "check the source url and jar in the connectors manifest";
          throw new ConnectorFetchError(
            `${source.file}: the download from ${source.url} (${got.bytes} bytes${type}) ${problem.problem}; nothing was kept, ${fix}`,
          );
        }
        try {
          renameSync(temp, path);
        } catch (error) {
          throw fileSystemError(error, path, got.bytes) ?? error;
        }
        result = { file: source.file, path, sha256: got.sha256, bytes: got.bytes, status: "downloaded" };
      } catch (error) {
        removeQuietly(temp);
        throw error;
      } finally {
        temps.delete(temp);
      }
      log(`downloaded ${path}: ${mb(result.bytes)} MB, sha256 ${result.sha256.slice(0, 12)}`);
    }
    if (!locked) pin(source.file, entry, result.sha256);
    sources.set(source.file, result);
  }

  const plugins: PluginResult[] = [];
  for (const plugin of manifest.plugins) {
    if (signal?.aborted)
      throw new ConnectorFetchError(
        `${plugin.file}: interrupted before it was built; run ${FETCH_COMMAND} again`,
      );
    const built = buildPlugin(plugin, dir);
    const path = join(dir, plugin.file);
    if (built) log(`built ${path} from ${plugin.sources.length} sources`);
    let sha256: string;
    if (isSingleSourcePlugin(plugin)) {
      sha256 = (sources.get(plugin.file) as SourceResult).sha256;
    } else {
      sha256 = await sha256File(path);
      const entry = lock[plugin.file] as BuiltPin;
      // An updated source makes a new plugin zip: its pin follows. Otherwise the merge is deterministic,
      // so a recorded pin is what the same sources must give.
      const repin = update.has(plugin.file) || plugin.sources.some((s) => update.has(s.file));
      const locked = repin ? undefined : (entry.sha256 ?? undefined);
      if (locked && locked !== sha256) {
        removeQuietly(path);
        throw new ConnectorFetchError(
          `${path}: sha256 of the plugin zip built from ${plugin.sources.map((s) => s.file).join(" and ")} is ${sha256}, expected ${locked} (${lockFile}); nothing was kept. The merge is deterministic, so the sources or the merging code changed: if that is intended, check why and run ${updatePinCommand(plugin.file)}`,
        );
      }
      if (!locked) pin(plugin.file, entry, sha256);
    }
    plugins.push({ id: plugin.id, file: plugin.file, path, sha256, bytes: statSync(path).size, built });
  }
  // The lock as the manifest has it now (new sources' URLs, files no longer named left out), pins unchanged.
  const text = formatLock(lock);
  if (!existsSync(lockFile) || readFileSync(lockFile, "utf8") !== text) writeLock(lockFile, lock);
  return { sources: [...sources.values()], plugins, pinned };
}

/** The lock file, with a problem in it reported as the fetch's (one line, exit 1). */
function readLockForFetch(lockFile: string): ConnectorLock {
  try {
    return readLock(lockFile);
  } catch (error) {
    if (error instanceof ConnectorLockError) throw new ConnectorFetchError(error.message);
    throw fileSystemError(error, lockFile) ?? error;
  }
}

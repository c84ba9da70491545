/**
 * `npm run connectors:fetch [--manifest <file>] [--dir <dir>] [--lock <file>] [--deadline <seconds>]
 * [--idle-timeout <seconds>] [--max-mb <MB>] [--update-pin <file>]...`: downloads and checks the MSK
 * Connect plugin zips against their pins in the lock file, recording the pins still unrecorded (see
 * src/plugins/fetch.ts and src/plugins/lock.ts); `--update-pin <file>` replaces one recorded pin, the
 * explicit way to accept a changed file. Honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or lower case). A
 * user error prints one line and exits 1; Ctrl-C removes the partial download and exits 130 (SIGTERM: 143).
 */
import { parseArgs } from "node:util";
import { ZodError } from "zod";
import { UserError } from "../src/errors";
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BYTES,
  fetchConnectors,
  fileSystemError,
} from "../src/plugins/fetch";
import { CONNECTORS_DIR, LOCK_FILE, loadManifest, MANIFEST_FILE } from "../src/plugins/manifest";

const USAGE =
  "usage: npm run connectors:fetch -- [--manifest <file>] [--dir <dir>] [--lock <file>] [--deadline <seconds>] [--idle-timeout <seconds>] [--max-mb <MB>] [--update-pin <file>]...";
/** After Ctrl-C, how long the run may take to remove its partial file before the process exits anyway. */
const EXIT_GRACE_MS = 5_000;

interface Args {
  readonly manifest: string;
  readonly dir: string;
  readonly lock: string;
  readonly deadlineMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBytes: number;
  readonly updatePins: readonly string[];
}

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** A positive number of `unit` from a flag, or the usage error. */
function positive(flag: string, value: string | undefined, fallback: number, unit: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${flag} ${value}: expected a positive number; ${USAGE}`);
  return Math.round(n * unit);
}

function parse(): Args {
  let values: Record<string, string | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        manifest: { type: "string", default: MANIFEST_FILE },
        dir: { type: "string", default: CONNECTORS_DIR },
        lock: { type: "string", default: LOCK_FILE },
        deadline: { type: "string" },
        "idle-timeout": { type: "string" },
        "max-mb": { type: "string" },
        "update-pin": { type: "string", multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return fail(`${(error as Error).message}; ${USAGE}`);
  }
  return {
    manifest: values.manifest as string,
    dir: values.dir as string,
    lock: values.lock as string,
    deadlineMs: positive("deadline", values.deadline as string | undefined, DEFAULT_DEADLINE_MS, 1000),
    idleTimeoutMs: positive(
      "idle-timeout",
      values["idle-timeout"] as string | undefined,
      DEFAULT_IDLE_TIMEOUT_MS,
      1000,
    ),
    maxBytes: positive("max-mb", values["max-mb"] as string | undefined, DEFAULT_MAX_BYTES, 1024 * 1024),
    updatePins: (values["update-pin"] as string[] | undefined) ?? [],
  };
}

function readManifest(file: string): ReturnType<typeof loadManifest> {
  try {
    return loadManifest(file);
  } catch (error) {
    const why =
      error instanceof ZodError
        ? error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")
        : (error as Error).message;
    return fail(`${file}: invalid connectors manifest: ${why}`);
  }
}

async function main(): Promise<void> {
  const args = parse();
  const manifest = readManifest(args.manifest);
  // Ctrl-C aborts the download in progress: its partial file is removed, the lock file is left as it
  // was, and the process exits 130. A second Ctrl-C, or a run slow to stop, exits at once; the run's
  // exit handler still removes its temporary files and its folder lock.
  const controller = new AbortController();
  let signalExitCode = 130;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signalExitCode);
    signalExitCode = signal === "SIGTERM" ? 143 : 130;
    controller.abort();
    setTimeout(() => process.exit(signalExitCode), EXIT_GRACE_MS);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const summary = await fetchConnectors({
      manifest,
      dir: args.dir,
      lockFile: args.lock,
      deadlineMs: args.deadlineMs,
      idleTimeoutMs: args.idleTimeoutMs,
      maxBytes: args.maxBytes,
      log: (line) => process.stdout.write(`${line}\n`),
      progress: process.stdout.isTTY ? process.stdout : "lines",
      signal: controller.signal,
      updatePins: args.updatePins,
    });
    for (const p of summary.plugins) {
      const mb = (p.bytes / (1024 * 1024)).toFixed(1);
      process.stdout.write(`ready ${p.path} (${mb} MB, sha256 ${p.sha256.slice(0, 12)})\n`);
    }
    if (summary.pinned.length > 0) {
      process.stdout.write(
        `pinned ${summary.pinned.join(", ")} in ${args.lock}: review the diff (git diff ${args.lock}), commit it, and run npm run docs (connectors/README.md shows the pins)\n`,
      );
    }
    if (controller.signal.aborted) process.exit(signalExitCode);
  } catch (error) {
    const exitCode = controller.signal.aborted ? signalExitCode : 1;
    // ConnectorFetchError, and a lock file that cannot be read: one line.
    if (error instanceof UserError) fail(error.message, exitCode);
    // A file-system error the run did not name (it names disk full, permissions, read-only): one line too.
    const errno = error as NodeJS.ErrnoException;
    if (typeof errno?.code === "string" && errno.syscall) {
      fail((errno.path && fileSystemError(errno, errno.path)?.message) || errno.message, exitCode);
    }
    throw error;
  }
}

void main();

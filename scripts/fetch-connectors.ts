/**
 * `npm run connectors:fetch [--manifest <file>] [--dir <dir>] [--lock <file>]`: downloads and checks the
 * MSK Connect plugin zips (see src/connectors/fetch.ts). A user error prints one line and exits 1.
 */
import { parseArgs } from "node:util";
import { ZodError } from "zod";
import { ConnectorFetchError, fetchConnectors } from "../src/plugins/fetch";
import { CONNECTORS_DIR, LOCK_FILE, loadManifest, MANIFEST_FILE } from "../src/plugins/manifest";

const USAGE = "usage: npm run connectors:fetch -- [--manifest <file>] [--dir <dir>] [--lock <file>]";

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function parse(): { manifest: string; dir: string; lock: string } {
  try {
    const { values } = parseArgs({
      options: {
        manifest: { type: "string", default: MANIFEST_FILE },
        dir: { type: "string", default: CONNECTORS_DIR },
        lock: { type: "string", default: LOCK_FILE },
      },
      strict: true,
      allowPositionals: false,
    });
    return { manifest: values.manifest, dir: values.dir, lock: values.lock };
  } catch (error) {
    return fail(`${(error as Error).message}; ${USAGE}`);
  }
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
  // Ctrl-C aborts the download in progress, so its partial file is removed before exiting.
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort());
  try {
    const summary = await fetchConnectors({
      manifest,
      dir: args.dir,
      lockFile: args.lock,
      log: (line) => process.stdout.write(`${line}\n`),
      progress: process.stdout.isTTY ? process.stdout : "lines",
      signal: controller.signal,
    });
    for (const p of summary.plugins) {
      const mb = (p.bytes / (1024 * 1024)).toFixed(1);
      process.stdout.write(`ready ${p.path} (${mb} MB, sha256 ${p.sha256.slice(0, 12)})\n`);
    }
  } catch (error) {
    // File-system errors (permissions, disk full) already name their path: one line too, no stack.
    const errno = error as NodeJS.ErrnoException;
    if (error instanceof ConnectorFetchError || (typeof errno?.code === "string" && errno.syscall)) {
      fail(errno.message);
    }
    throw error;
  }
}

void main();

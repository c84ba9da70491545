import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConnectorFetchError,
  type FetchConnectorsOptions,
  fetchConnectors,
  formatLock,
} from "../../src/plugins/fetch";
import { type ConnectorManifest, loadManifest } from "../../src/plugins/manifest";
import { listZipEntries, readZipEntry } from "../../src/plugins/zip";
import { PROJECT_ROOT } from "../support/cli";
import { FIXTURE_ENTRIES, makeConnectorFixtures, writeConnectorsDir } from "../support/zip-fixtures";

const tmp = mkdtempSync(join(tmpdir(), "cdc-lake-fetch-"));
const fixtures = makeConnectorFixtures(join(tmp, "fixtures"));
const served: Record<string, Buffer> = {
  debezium: readFileSync(fixtures.debezium),
  configProviders: readFileSync(fixtures.configProviders),
  s3Sink: readFileSync(fixtures.s3Sink),
  wrongVersion: readFileSync(fixtures.wrongVersion),
  notAZip: readFileSync(fixtures.notAZip),
};
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

const DEBEZIUM = "debezium-debezium-connector-postgresql-2.3.7.Final.zip";
const PROVIDERS = "msk-config-providers-0.1.0-with-dependencies.zip";
const S3_SINK = "confluentinc-kafka-connect-s3-10.6.7.zip";
const MERGED = "debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip";

/** Paths the server was asked for, to tell whether a run downloaded anything. */
const requests: string[] = [];
/**
 * Routes: /files/<fixture>, /redirect/<hops>/<fixture> (relative 302s), /status/<code>,
 * /truncated/<fixture> (Content-Length too large, then the socket ends), /chunked/<fixture> (no length),
 * /slow/<fixture> (four quarters 30 ms apart).
 */
const server: Server = createServer((req, res) => {
  requests.push(req.url ?? "");
  const [, route, a, b] = (req.url ?? "").split("/");
  const body = served[(route === "redirect" ? b : a) ?? ""];
  if (route === "status") {
    res.writeHead(Number(a)).end("error page");
  } else if (route === "redirect" && body) {
    const hops = Number(a);
    res.writeHead(302, { location: hops > 1 ? `/redirect/${hops - 1}/${b}` : `/files/${b}` }).end();
  } else if (!body) {
    res.writeHead(404).end();
  } else if (route === "files") {
    res.writeHead(200, { "content-length": body.length, "content-type": "application/zip" }).end(body);
  } else if (route === "truncated") {
    res.writeHead(200, { "content-length": body.length + 1000 });
    res.write(body, () => res.socket?.destroy());
  } else if (route === "chunked") {
    res.writeHead(200).end(body);
  } else if (route === "slow") {
    res.writeHead(200, { "content-length": body.length });
    const quarter = Math.ceil(body.length / 4);
    const send = (i: number): void => {
      if (i === 4) return void res.end();
      res.write(body.subarray(i * quarter, (i + 1) * quarter));
      setTimeout(() => send(i + 1), 30);
    };
    send(0);
  }
});
let base = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

/** The real manifest, its three sources served by the local server under `paths`. */
function manifest(
  paths: Partial<Record<"debezium" | "configProviders" | "s3Sink", string>> = {},
): ConnectorManifest {
  const real = loadManifest(join(PROJECT_ROOT, "connectors/connectors.json"));
  const path: Record<string, string> = {
    [DEBEZIUM]: paths.debezium ?? "/files/debezium",
    [PROVIDERS]: paths.configProviders ?? "/files/configProviders",
    [S3_SINK]: paths.s3Sink ?? "/files/s3Sink",
  };
  return {
    ...real,
    plugins: real.plugins.map((p) => ({
      ...p,
      sources: p.sources.map((s) => ({ ...s, url: `${base}${path[s.file]}` })),
    })),
  };
}

let runs = 0;
/** A fresh connectors folder and lock file, and options to fetch into them; `lines` collects the log. */
function setup(m = manifest()): {
  dir: string;
  lockFile: string;
  lines: string[];
  options: FetchConnectorsOptions;
} {
  const dir = join(tmp, `run-${++runs}`, "connectors");
  const lockFile = join(dir, "connectors.lock.json");
  const lines: string[] = [];
  return { dir, lockFile, lines, options: { manifest: m, dir, lockFile, log: (l) => lines.push(l) } };
}

/** Files left in the folder, the lock excluded. */
function zipsIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f !== "connectors.lock.json") : [];
}

async function failure(options: FetchConnectorsOptions): Promise<ConnectorFetchError> {
  const error = await fetchConnectors(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorFetchError);
  return error as ConnectorFetchError;
}

describe("fetchConnectors", () => {
  it("downloads every source, records its sha256 in the lock, and builds the merged plugin", async () => {
    const { dir, lockFile, lines, options } = setup();
    const summary = await fetchConnectors(options);

    expect(zipsIn(dir).sort()).toEqual([S3_SINK, MERGED, DEBEZIUM, PROVIDERS].sort());
    for (const [file, key] of [
      [DEBEZIUM, "debezium"],
      [PROVIDERS, "configProviders"],
      [S3_SINK, "s3Sink"],
    ] as const) {
      expect(readFileSync(join(dir, file)).equals(served[key] as Buffer)).toBe(true);
    }
    expect(readFileSync(lockFile, "utf8")).toBe(
      `${JSON.stringify(
        {
          [S3_SINK]: { sha256: sha256(served.s3Sink as Buffer), url: `${base}/files/s3Sink` },
          [DEBEZIUM]: { sha256: sha256(served.debezium as Buffer), url: `${base}/files/debezium` },
          [PROVIDERS]: {
            sha256: sha256(served.configProviders as Buffer),
            url: `${base}/files/configProviders`,
          },
        },
        null,
        2,
      )}\n`,
    );

    const merged = join(dir, MERGED);
    expect(listZipEntries(merged)).toEqual([
      ...FIXTURE_ENTRIES.debezium.map((e) => e.name),
      ...FIXTURE_ENTRIES.configProviders.map((e) => `msk-config-providers-0.1.0-with-dependencies/${e.name}`),
    ]);
    const jar = "msk-config-providers/msk-config-providers-0.1.0.jar";
    expect(readZipEntry(merged, `msk-config-providers-0.1.0-with-dependencies/${jar}`)).toEqual(
      FIXTURE_ENTRIES.configProviders.find((e) => e.name === jar)?.data,
    );

    const mb = (key: string) => ((served[key] as Buffer).length / 1024 / 1024).toFixed(1);
    const sha = (key: string) => sha256(served[key] as Buffer).slice(0, 12);
    expect(lines).toEqual([
      `downloading ${DEBEZIUM} (${mb("debezium")} MB) from ${base}/files/debezium`,
      `downloaded ${join(dir, DEBEZIUM)}: ${mb("debezium")} MB, sha256 ${sha("debezium")}`,
      `downloading ${PROVIDERS} (${mb("configProviders")} MB) from ${base}/files/configProviders`,
      `downloaded ${join(dir, PROVIDERS)}: ${mb("configProviders")} MB, sha256 ${sha("configProviders")}`,
      `downloading ${S3_SINK} (${mb("s3Sink")} MB) from ${base}/files/s3Sink`,
      `downloaded ${join(dir, S3_SINK)}: ${mb("s3Sink")} MB, sha256 ${sha("s3Sink")}`,
      `built ${merged} from 2 sources`,
    ]);
    expect(summary.sources.map((s) => [s.file, s.status])).toEqual([
      [DEBEZIUM, "downloaded"],
      [PROVIDERS, "downloaded"],
      [S3_SINK, "downloaded"],
    ]);
    expect(summary.plugins).toEqual([
      {
        id: "debezium-postgres",
        file: MERGED,
        path: merged,
        sha256: sha256(readFileSync(merged)),
        bytes: readFileSync(merged).length,
        built: true,
      },
      {
        id: "s3-sink",
        file: S3_SINK,
        path: join(dir, S3_SINK),
        sha256: sha256(served.s3Sink as Buffer),
        bytes: (served.s3Sink as Buffer).length,
        built: false,
      },
    ]);
  });

  it("verifies present files against the lock on a second run, downloads nothing, rebuilds the same zip", async () => {
    const { dir, lockFile, lines, options } = setup();
    await fetchConnectors(options);
    const lock = readFileSync(lockFile, "utf8");
    const merged = readFileSync(join(dir, MERGED));
    const before = requests.length;
    lines.length = 0;

    const summary = await fetchConnectors(options);
    expect(requests.length).toBe(before);
    expect(summary.sources.map((s) => s.status)).toEqual(["verified", "verified", "verified"]);
    expect(readFileSync(lockFile, "utf8")).toBe(lock);
    expect(readFileSync(join(dir, MERGED)).equals(merged)).toBe(true);
    expect(lines[0]).toBe(
      `verified ${join(dir, DEBEZIUM)} (sha256 ${sha256(served.debezium as Buffer).slice(0, 12)})`,
    );
  });

  it("records the sha256 of a present file the lock does not know yet", async () => {
    const { dir, lockFile, options } = setup();
    await fetchConnectors(options);
    rmSync(lockFile);
    const summary = await fetchConnectors(options);
    expect(summary.sources.map((s) => s.status)).toEqual(["recorded", "recorded", "recorded"]);
    expect(JSON.parse(readFileSync(lockFile, "utf8"))[DEBEZIUM].sha256).toBe(
      sha256(served.debezium as Buffer),
    );
    expect(zipsIn(dir)).toHaveLength(4);
  });

  it("follows redirects", async () => {
    const { dir, lockFile, options } = setup(manifest({ debezium: "/redirect/5/debezium" }));
    await fetchConnectors(options);
    expect(readFileSync(join(dir, DEBEZIUM)).equals(served.debezium as Buffer)).toBe(true);
    // The lock keeps the manifest's URL, not the CDN's: that is what the next fetch asks for.
    expect(JSON.parse(readFileSync(lockFile, "utf8"))[DEBEZIUM].url).toBe(`${base}/redirect/5/debezium`);
  });

  it("fails if a URL redirects more than 5 times", async () => {
    const { dir, options } = setup(manifest({ debezium: "/redirect/6/debezium" }));
    const error = await failure(options);
    expect(error.message).toBe(
      `${DEBEZIUM}: ${base}/redirect/6/debezium redirected more than 5 times; check the source url in the connectors manifest`,
    );
    expect(zipsIn(dir)).toEqual([]);
  });

  it("fails if the lock has another sha256 for the download, and keeps no file", async () => {
    const { dir, lockFile, options } = setup();
    const wrong = "0".repeat(64);
    const lock = formatLock({ [DEBEZIUM]: { sha256: wrong, url: `${base}/files/debezium` } });
    mkdirSync(dir, { recursive: true });
    writeFileSync(lockFile, lock);

    const error = await failure(options);
    expect(error.message).toBe(
      `${DEBEZIUM}: sha256 of the download from ${base}/files/debezium is ${sha256(served.debezium as Buffer)}, expected ${wrong} (${lockFile}); nothing was kept. Run npm run connectors:fetch again, or update its entry in ${lockFile} if the vendor republished it`,
    );
    expect(zipsIn(dir)).toEqual([]);
    expect(readFileSync(lockFile, "utf8")).toBe(lock);
  });

  it("fails if a present file does not match the lock, naming both checksums and the fix", async () => {
    const { dir, lockFile, options } = setup();
    await fetchConnectors(options);
    writeFileSync(join(dir, S3_SINK), served.debezium as Buffer);
    const error = await failure(options);
    const path = join(dir, S3_SINK);
    expect(error.message).toBe(
      `${path}: sha256 is ${sha256(served.debezium as Buffer)}, expected ${sha256(served.s3Sink as Buffer)} (${lockFile}); delete ${path} and run npm run connectors:fetch again, or update its entry in ${lockFile} if the vendor republished it`,
    );
  });

  it("fails if the body is shorter than its Content-Length, and leaves no file", async () => {
    const { dir, options } = setup(manifest({ debezium: "/truncated/debezium" }));
    const error = await failure(options);
    const size = (served.debezium as Buffer).length;
    expect(error.message).toBe(
      `${DEBEZIUM}: download from ${base}/truncated/debezium truncated: got ${size} of ${size + 1000} bytes; nothing was kept, run npm run connectors:fetch again`,
    );
    expect(zipsIn(dir)).toEqual([]);
  });

  it.each([
    [404, "Not Found", "check the source url in the connectors manifest"],
    [500, "Internal Server Error", "the server failed or is busy; run npm run connectors:fetch again later"],
  ])("fails if the server answers HTTP %i, naming the URL and status", async (status, text, fix) => {
    const { dir, lockFile, options } = setup(manifest({ configProviders: `/status/${status}` }));
    const error = await failure(options);
    expect(error.message).toBe(
      `${PROVIDERS}: GET ${base}/status/${status} returned HTTP ${status} ${text}; ${fix}`,
    );
    // The source before it was downloaded and recorded; nothing of the failed one.
    expect(zipsIn(dir)).toEqual([DEBEZIUM]);
    expect(Object.keys(JSON.parse(readFileSync(lockFile, "utf8")))).toEqual([DEBEZIUM]);
  });

  it("fails if a redirect ends in an error, naming both URLs", async () => {
    const { options } = setup(manifest({ debezium: "/redirect/1/missing" }));
    const error = await failure(options);
    expect(error.message).toBe(
      `${DEBEZIUM}: GET ${base}/redirect/1/missing returned HTTP 404 Not Found; check the source url in the connectors manifest`,
    );
  });

  it("fails if the server cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const m = manifest();
    const first = m.plugins[0]?.sources[0];
    if (first) first.url = `http://127.0.0.1:${port}/x.zip`;
    const { dir, options } = setup(m);
    const error = await failure(options);
    expect(error.message).toBe(
      `${DEBEZIUM}: GET http://127.0.0.1:${port}/x.zip failed: connect ECONNREFUSED 127.0.0.1:${port}; check the network connection, then run npm run connectors:fetch again`,
    );
    expect(zipsIn(dir)).toEqual([]);
  });

  it("fails if the download is not a zip (an error page served with 200), and records nothing", async () => {
    const { dir, lockFile, options } = setup(manifest({ debezium: "/files/notAZip" }));
    const error = await failure(options);
    expect(error.message).toBe(
      `${DEBEZIUM}: the download from ${base}/files/notAZip (${(served.notAZip as Buffer).length} bytes, application/zip) is not a zip file; nothing was kept, check the source url and jar in the connectors manifest`,
    );
    expect(zipsIn(dir)).toEqual([]);
    expect(existsSync(lockFile)).toBe(false);
  });

  it("fails if the download holds another version of the connector", async () => {
    const { dir, options } = setup(manifest({ debezium: "/files/wrongVersion" }));
    const error = await failure(options);
    expect(error.message).toBe(
      `${DEBEZIUM}: the download from ${base}/files/wrongVersion (${(served.wrongVersion as Buffer).length} bytes, application/zip) holds debezium-connector-postgres/debezium-connector-postgres-2.4.0.Final.jar, not debezium-connector-postgres-2.3.7.Final.jar; nothing was kept, check the source url and jar in the connectors manifest`,
    );
    expect(zipsIn(dir)).toEqual([]);
  });

  it("logs a few progress lines when the size is known", async () => {
    const { lines, options } = setup(manifest({ debezium: "/slow/debezium" }));
    await fetchConnectors(options);
    const progress = lines.filter((l) => l.startsWith(`downloading ${DEBEZIUM}: `));
    expect(progress.map((l) => l.replace(/ \(.*\)$/, ""))).toEqual(
      [25, 50, 75].map((p) => `downloading ${DEBEZIUM}: ${p}%`),
    );
  });

  it("logs the size in MB only when there is no Content-Length", async () => {
    const { dir, lines, options } = setup(manifest({ s3Sink: "/chunked/s3Sink" }));
    await fetchConnectors(options);
    expect(lines).toContain(`downloading ${S3_SINK} from ${base}/chunked/s3Sink`);
    expect(readFileSync(join(dir, S3_SINK)).equals(served.s3Sink as Buffer)).toBe(true);
  });

  it("redraws one progress line with \\r on a TTY, then ends it", async () => {
    const writes: string[] = [];
    const { options } = setup(manifest({ debezium: "/slow/debezium" }));
    await fetchConnectors({ ...options, progress: { write: (t: string) => writes.push(t) } });
    const debezium = writes.join("").split("\n")[0] ?? "";
    expect(debezium.startsWith(`\rdownloading ${DEBEZIUM}: `)).toBe(true);
    const size = ((served.debezium as Buffer).length / 1024 / 1024).toFixed(1);
    expect(debezium.split("\r").pop()).toBe(`downloading ${DEBEZIUM}: 100% (${size} of ${size} MB)\u001b[K`);
  });

  it("fails if interrupted, and leaves no partial file", async () => {
    const controller = new AbortController();
    const { dir, lines, options } = setup(manifest({ debezium: "/slow/debezium" }));
    const log = (line: string) => {
      lines.push(line);
      if (line.includes("25%")) controller.abort();
    };
    const error = await failure({ ...options, log, signal: controller.signal });
    expect(error.message).toBe(`${DEBEZIUM}: download interrupted; nothing was kept`);
    expect(zipsIn(dir)).toEqual([]);
  });

  it("fails if the lock file is not valid JSON", async () => {
    const { dir, lockFile, options } = setup();
    await fetchConnectors(options);
    writeFileSync(lockFile, "{ nope");
    const error = await failure(options);
    expect(error.message).toMatch(
      new RegExp(`^${lockFile}: invalid lock file: .*; restore it from git or fix it by hand$`),
    );
    expect(zipsIn(dir)).toHaveLength(4);
  });
});

describe("writeConnectorsDir (fixture for synth tests)", () => {
  it("writes the folder and lock a fetch of the fixtures would", async () => {
    const { dir, lockFile, options } = setup();
    await fetchConnectors(options);
    const copy = join(tmp, "written", "connectors");
    const written = writeConnectorsDir(copy, { lockFile: join(tmp, "written", "lock.json") });
    expect(zipsIn(copy).sort()).toEqual(zipsIn(dir).sort());
    for (const file of zipsIn(dir))
      expect(readFileSync(join(copy, file)).equals(readFileSync(join(dir, file)))).toBe(true);
    expect(written.plugins).toEqual({
      "debezium-postgres": join(copy, MERGED),
      "s3-sink": join(copy, S3_SINK),
    });
    // Same checksums; the URLs are the real manifest's.
    const shas = (file: string) =>
      Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, { sha256: string }>).map(
        (e) => e.sha256,
      );
    expect(shas(join(tmp, "written", "lock.json"))).toEqual(shas(lockFile));
  });
});

/** Runs the CLI as `npm run connectors:fetch` does. Asynchronous: the server lives in this process. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", "tsx/cjs", "scripts/fetch-connectors.ts", ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run connectors:fetch", () => {
  function cliArgs(m: ConnectorManifest): { args: string[]; dir: string } {
    const { dir, lockFile } = setup(m);
    const manifestFile = join(dir, "..", "connectors.json");
    mkdirSync(join(dir, ".."), { recursive: true });
    writeFileSync(manifestFile, JSON.stringify(m));
    return { args: ["--manifest", manifestFile, "--dir", dir, "--lock", lockFile], dir };
  }

  it("downloads, prints one line per plugin ready, exits 0", async () => {
    const { args, dir } = cliArgs(manifest());
    const run = await runCli(args);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const ready = run.stdout.split("\n").filter((l) => l.startsWith("ready "));
    const merged = readFileSync(join(dir, MERGED));
    expect(ready).toEqual([
      `ready ${join(dir, MERGED)} (${(merged.length / 1024 / 1024).toFixed(1)} MB, sha256 ${sha256(merged).slice(0, 12)})`,
      `ready ${join(dir, S3_SINK)} (${((served.s3Sink as Buffer).length / 1024 / 1024).toFixed(1)} MB, sha256 ${sha256(served.s3Sink as Buffer).slice(0, 12)})`,
    ]);
  });

  it("fails with one line on stderr, exit 1 and no stack trace", async () => {
    const { args, dir } = cliArgs(manifest({ s3Sink: "/status/404" }));
    const run = await runCli(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `${S3_SINK}: GET ${base}/status/404 returned HTTP 404 Not Found; check the source url in the connectors manifest\n`,
    );
    expect(zipsIn(dir).sort()).toEqual([DEBEZIUM, PROVIDERS].sort());
  });

  it("fails with one line if the manifest is invalid", async () => {
    const { args } = cliArgs(manifest());
    const manifestFile = args[1] as string;
    writeFileSync(manifestFile, JSON.stringify({ plugins: [] }));
    const run = await runCli(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `${manifestFile}: invalid connectors manifest: plugins: Too small: expected array to have >=1 items\n`,
    );
  });
});

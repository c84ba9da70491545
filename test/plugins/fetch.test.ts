import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { type AddressInfo, connect, type Socket } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConnectorFetchError,
  type ConnectorLock,
  type DownloadSink,
  type FetchConnectorsOptions,
  FOLDER_LOCK_FILE,
  fetchConnectors,
  fileSystemError,
  formatLock,
} from "../../src/plugins/fetch";
import { lockForManifest, parseLock } from "../../src/plugins/lock";
import { type ConnectorManifest, loadManifest } from "../../src/plugins/manifest";
import { buildZip, listZipEntries, readZipEntry } from "../../src/plugins/zip";
import { PROJECT_ROOT } from "../support/cli";
import {
  FIXTURE_ENTRIES,
  makeConnectorFixtures,
  writeConnectorsDir,
  zipWithRawNames,
} from "../support/zip-fixtures";

/** The proxy variables: cleared for this file (a developer's proxy must not see the loopback tests). */
const PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];
const savedProxyEnv = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
for (const name of PROXY_VARIABLES) delete process.env[name];

const tmp = mkdtempSync(join(tmpdir(), "cdc-lake-fetch-"));
const fixtures = makeConnectorFixtures(join(tmp, "fixtures"));
/** A valid Debezium zip plus one entry with this name. */
const withEntry = (name: string) =>
  zipWithRawNames([...FIXTURE_ENTRIES.debezium, { name, data: Buffer.from("x") }]);
const served: Record<string, Buffer> = {
  debezium: readFileSync(fixtures.debezium),
  configProviders: readFileSync(fixtures.configProviders),
  s3Sink: readFileSync(fixtures.s3Sink),
  wrongVersion: readFileSync(fixtures.wrongVersion),
  notAZip: readFileSync(fixtures.notAZip),
  slipParent: withEntry("../../x"),
  slipAbsolute: withEntry("/etc/x"),
  slipDrive: withEntry("C:\\x"),
  slipBackslash: withEntry("debezium-connector-postgres\\x.jar"),
  slipNul: withEntry("a\u0000b"),
  duplicate: withEntry("debezium-connector-postgres/postgresql-42.6.0.jar"),
  // The same connectors as the vendor might republish them: valid, other bytes (stored, not deflated).
  s3SinkRepublished: buildZip(FIXTURE_ENTRIES.s3Sink),
  configProvidersRepublished: buildZip(FIXTURE_ENTRIES.configProviders),
};
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

const DEBEZIUM = "debezium-debezium-connector-postgresql-2.3.7.Final.zip";
const PROVIDERS = "msk-config-providers-0.1.0-with-dependencies.zip";
const S3_SINK = "confluentinc-kafka-connect-s3-10.6.7.zip";
const MERGED = "debezium-postgres-2.3.7.Final-msk-config-providers-0.1.0.zip";

/** A self-signed certificate for 127.0.0.1 (openssl), for the https server; undefined without openssl. */
function makeCertificate(): { key: string; cert: string; certFile: string } | undefined {
  const keyFile = join(tmp, "tls-key.pem");
  const certFile = join(tmp, "tls-cert.pem");
  const run = spawnSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=127.0.0.1"],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { encoding: "utf8", timeout: 10_000 },
  );
  if (run.error || run.status !== 0) return undefined;
  return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), certFile };
}
const tls = makeCertificate();

/** Paths the servers were asked for, to tell whether a run downloaded anything. */
const requests: string[] = [];
/** Body bytes the server wrote for /endless, and whether the client hung up. */
const endless = { sent: 0, closed: false };
/** /gate/<fixture> answers once `gate.open()` is called. */
const gate = {
  waiting: [] as Array<() => void>,
  open() {
    for (const release of this.waiting.splice(0)) release();
  },
};
/** Timers of trickling responses, cleared when their connection closes (and all at the end). */
const timers = new Set<NodeJS.Timeout>();
function every(ms: number, res: ServerResponse, tick: () => boolean): void {
  const timer = setInterval(() => {
    if (res.destroyed || !tick()) {
      clearInterval(timer);
      timers.delete(timer);
    }
  }, ms);
  timers.add(timer);
  res.on("close", () => {
    clearInterval(timer);
    timers.delete(timer);
  });
}

/**
 * Routes: /files/<fixture>, /redirect/<hops>/<fixture> (relative 302s), /status/<code>,
 * /truncated/<fixture> (Content-Length too large, then the socket ends), /chunked/<fixture> (no length),
 * /slow/<fixture> (four quarters 30 ms apart), /drip/<fixture> (100 bytes, then one byte every 50 ms),
 * /stall/<fixture> (half, then nothing), /hang (no answer at all), /huge (Content-Length 10 GiB, no body),
 * /endless (16 KB chunks, no length, until the client hangs up or 64 MB), /to?<url> (302 to that URL),
 * /gate/<fixture> (the file, once the test opens the gate).
 */
function route(req: IncomingMessage, res: ServerResponse): void {
  requests.push(req.url ?? "");
  const [path = "", query = ""] = (req.url ?? "").split("?");
  const [, name, a, b] = path.split("/");
  const body = served[(name === "redirect" ? b : a) ?? ""];
  if (name === "status") {
    res.writeHead(Number(a)).end("error page");
  } else if (name === "to") {
    res.writeHead(302, { location: decodeURIComponent(query) }).end();
  } else if (name === "hang") {
    // Never answers: the client's idle timeout must end it.
  } else if (name === "huge") {
    res.writeHead(200, { "content-length": 10 * 1024 * 1024 * 1024 });
    res.flushHeaders();
  } else if (name === "endless") {
    endless.sent = 0;
    endless.closed = false;
    res.on("close", () => {
      endless.closed = true;
    });
    res.writeHead(200, { "content-type": "application/zip" });
    const chunk = Buffer.alloc(16 * 1024, 1);
    const pump = (): void => {
      while (!res.destroyed && endless.sent < 64 * 1024 * 1024) {
        endless.sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  } else if (name === "redirect" && body) {
    const hops = Number(a);
    res.writeHead(302, { location: hops > 1 ? `/redirect/${hops - 1}/${b}` : `/files/${b}` }).end();
  } else if (!body) {
    res.writeHead(404).end();
  } else if (name === "files") {
    res.writeHead(200, { "content-length": body.length, "content-type": "application/zip" }).end(body);
  } else if (name === "gate") {
    gate.waiting.push(() => res.writeHead(200, { "content-length": body.length }).end(body));
  } else if (name === "truncated") {
    res.writeHead(200, { "content-length": body.length + 1000 });
    res.write(body, () => res.socket?.destroy());
  } else if (name === "chunked") {
    res.writeHead(200).end(body);
  } else if (name === "slow") {
    res.writeHead(200, { "content-length": body.length });
    const quarter = Math.ceil(body.length / 4);
    const send = (i: number): void => {
      if (i === 4) return void res.end();
      res.write(body.subarray(i * quarter, (i + 1) * quarter));
      setTimeout(() => send(i + 1), 30);
    };
    send(0);
  } else if (name === "drip") {
    res.writeHead(200, { "content-length": body.length });
    res.write(body.subarray(0, 100));
    let at = 100;
    every(50, res, () => {
      res.write(body.subarray(at, at + 1));
      at += 1;
      if (at < body.length) return true;
      res.end();
      return false;
    });
  } else if (name === "stall") {
    res.writeHead(200, { "content-length": body.length });
    res.write(body.subarray(0, Math.floor(body.length / 2)));
  }
}

const server: Server = createServer(route);
const httpsServer: HttpsServer | undefined = tls
  ? createHttpsServer({ key: tls.key, cert: tls.cert }, route)
  : undefined;

/** An HTTP CONNECT proxy on 127.0.0.1 that tunnels to 127.0.0.1 only, recording each CONNECT. */
const proxied: string[] = [];
const tunnels = new Set<Socket>();
const proxy: Server = createServer((req, res) => {
  proxied.push(`${req.method} ${req.url}`);
  res.writeHead(405).end("this test proxy only tunnels (CONNECT)");
});
proxy.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
  proxied.push(`CONNECT ${req.url}`);
  const [host, port] = (req.url ?? "").split(":");
  if (host !== "127.0.0.1") return void client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  const upstream = connect(Number(port), host, () => {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  for (const socket of [client, upstream]) {
    tunnels.add(socket);
    socket.on("close", () => tunnels.delete(socket));
  }
  upstream.on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
});

const listen = (s: Server | HttpsServer) =>
  new Promise<number>((resolve) =>
    s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)),
  );
let base = "";
let tlsBase = "";
let proxyUrl = "";
beforeAll(async () => {
  base = `http://127.0.0.1:${await listen(server)}`;
  if (httpsServer) tlsBase = `https://127.0.0.1:${await listen(httpsServer)}`;
  proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
});
afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  for (const socket of tunnels) socket.destroy();
  gate.open();
  for (const s of [server, httpsServer, proxy]) {
    if (!s) continue;
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  rmSync(tmp, { recursive: true, force: true });
  for (const [name, value] of Object.entries(savedProxyEnv))
    if (value !== undefined) process.env[name] = value;
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
      sources: p.sources.map((s) => {
        const at = path[s.file] ?? "";
        return { ...s, url: at.startsWith("http") ? at : `${base}${at}` };
      }),
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
  expect((error as Error).message).not.toContain("\n");
  return error as ConnectorFetchError;
}

/** The sha256 of the Debezium plugin zip built from the fixtures (the merge is deterministic). */
const MERGED_SHA256 = (writeConnectorsDir(join(tmp, "pins")).lock[MERGED] as { sha256: string }).sha256;

/** The lock a fetch of the fixtures from their /files URLs records, bar the files in `omit`. */
function fullLock(omit: readonly string[] = []): string {
  const entry = (key: string) => ({ sha256: sha256(served[key] as Buffer), url: `${base}/files/${key}` });
  const lock: ConnectorLock = {
    [DEBEZIUM]: entry("debezium"),
    [PROVIDERS]: entry("configProviders"),
    [S3_SINK]: entry("s3Sink"),
    [MERGED]: { sha256: MERGED_SHA256, builtFrom: [DEBEZIUM, PROVIDERS] },
  };
  for (const file of omit) delete lock[file];
  return formatLock(lock);
}

/** The files whose pin the lock file records (sha256 not null), sorted. */
function recordedIn(lockFile: string): string[] {
  const lock = parseLock(readFileSync(lockFile, "utf8"), lockFile);
  return Object.keys(lock)
    .filter((file) => lock[file]?.sha256)
    .sort();
}

/**
 * A fresh folder holding only a complete lock file, as a team's checkout has it (no zips yet): a failure
 * must leave exactly that, byte for byte.
 */
function setupLocked(
  m = manifest(),
  omit: readonly string[] = [],
): ReturnType<typeof setup> & { lockBefore: Buffer } {
  const run = setup(m);
  mkdirSync(run.dir, { recursive: true });
  writeFileSync(run.lockFile, fullLock(omit));
  return { ...run, lockBefore: readFileSync(run.lockFile) };
}

/** After a failure: nothing in the folder but the lock (no zip, partial, temporary or lock file), the lock unchanged. */
function expectNothingKept(run: { dir: string; lockFile: string; lockBefore: Buffer }): void {
  expect(readdirSync(run.dir)).toEqual(["connectors.lock.json"]);
  expect(readFileSync(run.lockFile).equals(run.lockBefore)).toBe(true);
}

/** Polls `condition` every 20 ms; throws after `timeoutMs` (tests never hang on it). */
async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sets environment variables for `run`, then removes them again (this file starts with none of them). */
async function withEnv<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
  Object.assign(process.env, vars);
  try {
    return await run();
  } finally {
    for (const name of Object.keys(vars)) delete process.env[name];
  }
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
    const merged = join(dir, MERGED);
    // Every file pinned, the built plugin zip too: what synth names and keys the plugins by.
    expect(readFileSync(lockFile, "utf8")).toBe(
      formatLock({
        [S3_SINK]: { sha256: sha256(served.s3Sink as Buffer), url: `${base}/files/s3Sink` },
        [DEBEZIUM]: { sha256: sha256(served.debezium as Buffer), url: `${base}/files/debezium` },
        [PROVIDERS]: {
          sha256: sha256(served.configProviders as Buffer),
          url: `${base}/files/configProviders`,
        },
        [MERGED]: { sha256: sha256(readFileSync(merged)), builtFrom: [DEBEZIUM, PROVIDERS] },
      }),
    );
    expect(sha256(readFileSync(merged))).toBe(MERGED_SHA256);
    expect(summary.pinned).toEqual([DEBEZIUM, PROVIDERS, S3_SINK, MERGED]);

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
    expect(summary.pinned).toEqual([]);
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
      `${DEBEZIUM}: sha256 of the download from ${base}/files/debezium is ${sha256(served.debezium as Buffer)}, expected ${wrong} (${lockFile}); nothing was kept. Run npm run connectors:fetch again, or, if the vendor republished it, check why and run npm run connectors:fetch -- --update-pin ${DEBEZIUM}`,
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
      `${path}: sha256 is ${sha256(served.debezium as Buffer)}, expected ${sha256(served.s3Sink as Buffer)} (${lockFile}); delete ${path} and run npm run connectors:fetch again, or, if the vendor republished it, check why and run npm run connectors:fetch -- --update-pin ${S3_SINK}`,
    );
  });

  it("fails if the body is shorter than its Content-Length, and leaves no file", async () => {
    const { dir, options } = setup(manifest({ debezium: "/truncated/debezium" }));
    const error = await failure(options);
    const size = (served.debezium as Buffer).length;
    // What was read before the connection closed (bytes still queued when it closes are dropped).
    const got = Number(/got (\d+) of/.exec(error.message)?.[1]);
    expect(got).toBeLessThanOrEqual(size);
    expect(error.message).toBe(
      `${DEBEZIUM}: download from ${base}/truncated/debezium truncated: got ${got} of ${size + 1000} bytes; nothing was kept, run npm run connectors:fetch again`,
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
    expect(recordedIn(lockFile)).toEqual([DEBEZIUM]);
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

describe("fetchConnectors: pins (connectors.lock.json)", { timeout: 10_000 }, () => {
  /** A folder with the lock a fresh checkout has: every file of the manifest, no pin recorded. */
  function setupUnrecorded(m = manifest()) {
    const run = setup(m);
    mkdirSync(run.dir, { recursive: true });
    writeFileSync(run.lockFile, formatLock(lockForManifest(m, {})));
    return { ...run, lockBefore: readFileSync(run.lockFile, "utf8") };
  }

  it("records the unrecorded pins of a committed lock: only the null sha256 values change", async () => {
    const run = setupUnrecorded();
    expect(recordedIn(run.lockFile)).toEqual([]);
    const summary = await fetchConnectors(run.options);
    expect(summary.pinned).toEqual([DEBEZIUM, PROVIDERS, S3_SINK, MERGED]);
    expect(readFileSync(run.lockFile, "utf8")).toBe(fullLock());
    // A reviewable diff of the committed file: the same lines, each "sha256": null now a checksum.
    const before = run.lockBefore.split("\n");
    const after = readFileSync(run.lockFile, "utf8").split("\n");
    expect(after).toHaveLength(before.length);
    const changed = before.flatMap((line, i) => (line === after[i] ? [] : [[line, after[i]]]));
    expect(changed).toHaveLength(4);
    for (const [was, now] of changed) {
      expect(was).toBe('    "sha256": null,');
      expect(now).toMatch(/^ {4}"sha256": "[0-9a-f]{64}",$/);
    }
  });

  it("verifies every later run against the recorded pins, the built plugin's too", async () => {
    const run = setupUnrecorded();
    await fetchConnectors(run.options);
    const lock = readFileSync(run.lockFile, "utf8");
    const summary = await fetchConnectors(run.options);
    expect(summary.pinned).toEqual([]);
    expect(readFileSync(run.lockFile, "utf8")).toBe(lock);
  });

  it("refuses a republished source until --update-pin names it, then pins the new file", async () => {
    const run = setupLocked(manifest({ s3Sink: "/files/s3SinkRepublished" }));
    const republished = sha256(served.s3SinkRepublished as Buffer);
    const error = await failure(run.options);
    expect(error.message).toBe(
      `${S3_SINK}: sha256 of the download from ${base}/files/s3SinkRepublished is ${republished}, expected ${sha256(served.s3Sink as Buffer)} (${run.lockFile}); nothing was kept. Run npm run connectors:fetch again, or, if the vendor republished it, check why and run npm run connectors:fetch -- --update-pin ${S3_SINK}`,
    );
    expect(readFileSync(run.lockFile).equals(run.lockBefore)).toBe(true);

    const summary = await fetchConnectors({ ...run.options, updatePins: [S3_SINK] });
    expect(summary.pinned).toEqual([S3_SINK]);
    expect(parseLock(readFileSync(run.lockFile, "utf8"), run.lockFile)[S3_SINK]?.sha256).toBe(republished);
    expect(run.lines).toContain(
      `updated the pin of ${S3_SINK} in ${run.lockFile}: sha256 ${sha256(served.s3Sink as Buffer).slice(0, 12)} is now ${republished.slice(0, 12)}`,
    );
    // The other pins are untouched.
    expect(recordedIn(run.lockFile)).toEqual([DEBEZIUM, MERGED, PROVIDERS, S3_SINK].sort());
    expect(parseLock(readFileSync(run.lockFile, "utf8"), run.lockFile)[MERGED]?.sha256).toBe(MERGED_SHA256);
  });

  it("pins the plugin built from an updated source again, as that source's update makes a new zip", async () => {
    const run = setupLocked(manifest({ configProviders: "/files/configProvidersRepublished" }));
    const summary = await fetchConnectors({ ...run.options, updatePins: [PROVIDERS] });
    expect(summary.pinned).toEqual([PROVIDERS, MERGED]);
    const lock = parseLock(readFileSync(run.lockFile, "utf8"), run.lockFile);
    expect(lock[MERGED]?.sha256).toBe(sha256(readFileSync(join(run.dir, MERGED))));
    expect(lock[MERGED]?.sha256).not.toBe(MERGED_SHA256);
  });

  it("refuses a built plugin zip that differs from its pin, keeps no such zip, and names --update-pin", async () => {
    const run = setup();
    mkdirSync(run.dir, { recursive: true });
    const wrong = "1".repeat(64);
    const lock = fullLock().replace(MERGED_SHA256, wrong);
    writeFileSync(run.lockFile, lock);
    const error = await failure(run.options);
    const path = join(run.dir, MERGED);
    expect(error.message).toBe(
      `${path}: sha256 of the plugin zip built from ${DEBEZIUM} and ${PROVIDERS} is ${MERGED_SHA256}, expected ${wrong} (${run.lockFile}); nothing was kept. The merge is deterministic, so the sources or the merging code changed: if that is intended, check why and run npm run connectors:fetch -- --update-pin ${MERGED}`,
    );
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(run.lockFile, "utf8")).toBe(lock);
  });

  it("fails if --update-pin names a file the manifest does not have", async () => {
    const run = setup();
    const error = await failure({ ...run.options, updatePins: ["other.zip"] });
    expect(error.message).toBe(
      `--update-pin other.zip: not a file of the connectors manifest; expected one of ${[S3_SINK, DEBEZIUM, MERGED, PROVIDERS].sort().join(", ")}`,
    );
  });

  it("reads a lock of the earlier format (sources only) and writes it in the current one", async () => {
    const run = setup();
    mkdirSync(run.dir, { recursive: true });
    const entry = (key: string) => ({ sha256: sha256(served[key] as Buffer), url: `${base}/files/${key}` });
    writeFileSync(
      run.lockFile,
      `${JSON.stringify({ [S3_SINK]: entry("s3Sink"), [DEBEZIUM]: entry("debezium"), [PROVIDERS]: entry("configProviders") }, null, 2)}\n`,
    );
    const summary = await fetchConnectors(run.options);
    expect(summary.pinned).toEqual([MERGED]);
    expect(readFileSync(run.lockFile, "utf8")).toBe(fullLock());
  });
});

describe("fetchConnectors: bounded downloads (deadline, stall, size)", { timeout: 10_000 }, () => {
  const size = () => (served.debezium as Buffer).length;

  it("fails at the deadline when a server trickles bytes forever, naming the URL, what came and the fix", async () => {
    const run = setupLocked(manifest({ debezium: "/drip/debezium" }));
    const started = Date.now();
    const error = await failure({ ...run.options, deadlineMs: 400, idleTimeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    const got = Number(/received (\d+) of/.exec(error.message)?.[1]);
    expect(got).toBeGreaterThanOrEqual(100);
    expect(got).toBeLessThan(size());
    expect(error.message).toBe(
      `${DEBEZIUM}: GET ${base}/drip/debezium did not finish within the 0.4 s deadline (received ${got} of ${size()} bytes); nothing was kept. Check the network connection, or on a slow link allow more time: npm run connectors:fetch -- --deadline <seconds>`,
    );
    expectNothingKept(run);
  });

  it("fails when the body stalls (idle timeout), naming what came", async () => {
    const run = setupLocked(manifest({ debezium: "/stall/debezium" }));
    const error = await failure({ ...run.options, idleTimeoutMs: 300 });
    expect(error.message).toBe(
      `${DEBEZIUM}: GET ${base}/stall/debezium stalled: no data for 0.3 s (received ${Math.floor(size() / 2)} of ${size()} bytes); nothing was kept. Check the network connection, then run npm run connectors:fetch again (--idle-timeout <seconds> allows longer stalls)`,
    );
    expectNothingKept(run);
  });

  it("fails when the server never answers (idle timeout before the headers)", async () => {
    const run = setupLocked(manifest({ debezium: "/hang" }));
    const error = await failure({ ...run.options, idleTimeoutMs: 300 });
    expect(error.message).toBe(
      `${DEBEZIUM}: GET ${base}/hang stalled: no data for 0.3 s (received 0 bytes); nothing was kept. Check the network connection, then run npm run connectors:fetch again (--idle-timeout <seconds> allows longer stalls)`,
    );
    expectNothingKept(run);
  });

  it("refuses a Content-Length over the cap before writing a byte", async () => {
    const run = setupLocked(manifest({ debezium: "/huge" }));
    const opened: string[] = [];
    const error = await failure({
      ...run.options,
      openFile: async (path) => {
        opened.push(path);
        throw new Error("not expected");
      },
    });
    expect(error.message).toBe(
      `${DEBEZIUM}: ${base}/huge announces 10240.0 MB (Content-Length 10737418240), over the 512.0 MB cap; nothing was downloaded. If the file really is that big, set "maxMB" on its source in the connectors manifest (or pass --max-mb <MB>) and run npm run connectors:fetch again; otherwise check the source url in the connectors manifest`,
    );
    expect(opened).toEqual([]);
    expectNothingKept(run);
  });

  it("stops streaming as soon as a body without Content-Length passes the cap", async () => {
    const run = setupLocked(manifest({ debezium: "/endless" }));
    const error = await failure({ ...run.options, maxBytes: 100_000 });
    const got = Number(/\(received (\d+) bytes\)/.exec(error.message)?.[1]);
    expect(got).toBeGreaterThan(100_000);
    expect(got).toBeLessThanOrEqual(100_000 + 64 * 1024);
    expect(error.message).toBe(
      `${DEBEZIUM}: the download from ${base}/endless passed the 100000 bytes cap (received ${got} bytes); nothing was kept. If the file really is that big, set "maxMB" on its source in the connectors manifest (or pass --max-mb <MB>) and run npm run connectors:fetch again; otherwise check the source url in the connectors manifest`,
    );
    expectNothingKept(run);
    // The connection was closed: the server stopped long before its 64 MB.
    await waitFor(() => endless.closed, 2_000, "the server to see the connection close");
    expect(endless.sent).toBeLessThan(32 * 1024 * 1024);
  });

  it("takes a source's own maxMB from the manifest over the default, both ways", async () => {
    const m = manifest();
    const debezium = m.plugins[0]?.sources[0] as ConnectorManifest["plugins"][number]["sources"][number];
    debezium.maxMB = 0.001;
    const run = setupLocked(m);
    const error = await failure(run.options);
    expect(error.message).toBe(
      `${DEBEZIUM}: ${base}/files/debezium announces ${size()} bytes (Content-Length ${size()}), over the 1048 bytes cap; nothing was downloaded. If the file really is that big, raise "maxMB" of its source in the connectors manifest and run npm run connectors:fetch again; otherwise check the source url in the connectors manifest`,
    );
    expectNothingKept(run);

    for (const source of m.plugins.flatMap((p) => p.sources)) source.maxMB = 1;
    const ok = setup(m);
    await fetchConnectors({ ...ok.options, maxBytes: 10 });
    expect(readFileSync(join(ok.dir, DEBEZIUM)).equals(served.debezium as Buffer)).toBe(true);
  });
});

describe("fetchConnectors: redirects", { timeout: 10_000 }, () => {
  const trusting = () => new Agent({ connect: { ca: tls?.cert } });

  it.skipIf(!tls)(
    "refuses a redirect from https down to http, naming both URLs, and never asks the http URL",
    async () => {
      const target = `${base}/files/debezium?downgraded`;
      const run = setupLocked(manifest({ debezium: `${tlsBase}/to?${encodeURIComponent(target)}` }));
      const dispatcher = trusting();
      const error = await failure({ ...run.options, dispatcher }).finally(() => dispatcher.close());
      expect(error.message).toBe(
        `${DEBEZIUM}: ${tlsBase}/to?${encodeURIComponent(target)} redirected to ${target}, from https down to plain http; refused, as the download could be altered on the way. Check the source url in the connectors manifest (use the https URL the vendor publishes)`,
      );
      expect(requests).not.toContain("/files/debezium?downgraded");
      expectNothingKept(run);
    },
  );

  it.skipIf(!tls)("follows https to https redirects, and downloads over TLS", async () => {
    const m = manifest({ debezium: `${tlsBase}/to?${encodeURIComponent(`${tlsBase}/files/debezium`)}` });
    const run = setup(m);
    const dispatcher = trusting();
    await fetchConnectors({ ...run.options, dispatcher }).finally(() => dispatcher.close());
    expect(readFileSync(join(run.dir, DEBEZIUM)).equals(served.debezium as Buffer)).toBe(true);
  });

  it.each(["ftp://127.0.0.1/x.zip", "file:///etc/passwd"])("refuses a redirect to %s", async (target) => {
    const run = setupLocked(manifest({ debezium: `/to?${encodeURIComponent(target)}` }));
    const error = await failure(run.options);
    expect(error.message).toBe(
      `${DEBEZIUM}: ${base}/to?${encodeURIComponent(target)} redirected to ${target}, which is not an http or https URL; refused, check the source url in the connectors manifest`,
    );
    expectNothingKept(run);
  });
});

describe("fetchConnectors: unsafe zip entries (zip-slip)", { timeout: 10_000 }, () => {
  it.each([
    ["slipParent", '"../../x" (it climbs out of the folder with ..)'],
    ["slipAbsolute", '"/etc/x" (it is an absolute path)'],
    ["slipDrive", '"C:\\\\x" (it starts with a drive letter)'],
    ["slipBackslash", '"debezium-connector-postgres\\\\x.jar" (it uses \\ as a path separator)'],
    ["slipNul", '"a\\u0000b" (it holds a NUL byte)'],
  ])(
    "refuses a download holding an unsafe entry name (%s), naming the zip, the entry and the fix",
    async (key, entry) => {
      // Not locked yet: the first download of a file, where only the zip check can catch it.
      const run = setupLocked(manifest({ debezium: `/files/${key}` }), [DEBEZIUM]);
      const error = await failure(run.options);
      expect(error.message).toBe(
        `${DEBEZIUM}: the download from ${base}/files/${key} (${(served[key] as Buffer).length} bytes, application/zip) holds the unsafe entry name ${entry}, which could write outside the plugin folder (zip-slip); nothing was kept, the zip is malformed or was tampered with: check the source url in the connectors manifest and where it leads`,
      );
      expectNothingKept(run);
    },
  );

  it("refuses a download holding the same entry twice", async () => {
    const run = setupLocked(manifest({ debezium: "/files/duplicate" }), [DEBEZIUM]);
    const error = await failure(run.options);
    expect(error.message).toBe(
      `${DEBEZIUM}: the download from ${base}/files/duplicate (${(served.duplicate as Buffer).length} bytes, application/zip) holds the entry "debezium-connector-postgres/postgresql-42.6.0.jar" twice; nothing was kept, the zip is malformed or was tampered with: check the source url in the connectors manifest and where it leads`,
    );
    expectNothingKept(run);
  });

  it("refuses a present source zip with an unsafe entry, and builds nothing from it", async () => {
    const run = setupLocked();
    const path = join(run.dir, PROVIDERS);
    writeFileSync(path, served.slipParent as Buffer);
    writeFileSync(run.lockFile, formatLock({}));
    const lockBefore = readFileSync(run.lockFile);
    const error = await failure({ ...run.options, manifest: manifest() });
    expect(error.message).toBe(
      `${path} holds the unsafe entry name "../../x" (it climbs out of the folder with ..), which could write outside the plugin folder (zip-slip); delete it and run npm run connectors:fetch again, or fix its source in the connectors manifest`,
    );
    expect(existsSync(join(run.dir, MERGED))).toBe(false);
    // Debezium came first and was recorded; nothing of the refused zip was.
    expect(recordedIn(run.lockFile)).toEqual([DEBEZIUM]);
    expect(lockBefore.toString()).toBe(formatLock({}));
  });
});

describe("fetchConnectors: file-system failures", { timeout: 10_000 }, () => {
  /** A temporary file that really is created, then fails its first write with `code`, as a full disk does. */
  function failingWrites(code: string): (path: string) => Promise<DownloadSink> {
    return async (path) => {
      const fd = openSync(path, "wx");
      return {
        write: async () => {
          throw Object.assign(new Error(`${code}: simulated, write`), { code, syscall: "write" });
        },
        close: async () => closeSync(fd),
      };
    };
  }

  const fixes = (dir: string): Record<string, string> => ({
    ENOSPC: `no space left on the device holding ${dir}; free at least 1 MB there and run npm run connectors:fetch again`,
    EDQUOT: `disk quota exceeded in ${dir}; free at least 1 MB there (or have your quota raised) and run npm run connectors:fetch again`,
    EACCES: `permission denied (EACCES); give this user read and write access to ${dir} (or pass --dir <a folder you own>) and run npm run connectors:fetch again`,
    EPERM: `permission denied (EPERM); give this user read and write access to ${dir} (or pass --dir <a folder you own>) and run npm run connectors:fetch again`,
    EROFS: `${dir} is on a read-only file system; pass --dir <a folder on a writable disk> and run npm run connectors:fetch again`,
  });

  it.each(["ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS"])(
    "reports %s while writing a download as what it is (not a truncated download), and keeps nothing",
    async (code) => {
      const run = setupLocked();
      const error = await failure({ ...run.options, openFile: failingWrites(code) });
      expect(error.message).toBe(`${join(run.dir, DEBEZIUM)}: ${fixes(run.dir)[code]}`);
      expect(error.message).not.toContain("truncated");
      expectNothingKept(run);
    },
  );

  it("reports a failure to create the temporary file the same way", async () => {
    const run = setupLocked();
    const error = await failure({
      ...run.options,
      openFile: async () => {
        throw Object.assign(new Error("EROFS: read-only file system, open"), {
          code: "EROFS",
          syscall: "open",
        });
      },
    });
    expect(error.message).toBe(`${join(run.dir, DEBEZIUM)}: ${fixes(run.dir).EROFS}`);
    expectNothingKept(run);
  });

  it("maps the same codes for any file it writes (lock file, merged plugin), with the space needed", () => {
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    expect(fileSystemError(enospc, "/x/connectors/merged.zip", 150 * 1024 * 1024)?.message).toBe(
      "/x/connectors/merged.zip: no space left on the device holding /x/connectors; free at least 150 MB there and run npm run connectors:fetch again",
    );
    expect(fileSystemError(enospc, "/x/connectors.lock.json")?.message).toBe(
      "/x/connectors.lock.json: no space left on the device holding /x; free some space there and run npm run connectors:fetch again",
    );
    expect(fileSystemError(Object.assign(new Error("x"), { code: "ECONNRESET" }), "/x/y")).toBeUndefined();
  });
});

describe("fetchConnectors: proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY)", { timeout: 10_000 }, () => {
  it.each(["HTTP_PROXY", "http_proxy"])("sends every request through the proxy in %s", async (variable) => {
    proxied.length = 0;
    const run = setup();
    await withEnv({ [variable]: proxyUrl }, () => fetchConnectors(run.options));
    const port = new URL(base).port;
    expect(proxied).toContain(`CONNECT 127.0.0.1:${port}`);
    expect(readFileSync(join(run.dir, S3_SINK)).equals(served.s3Sink as Buffer)).toBe(true);
  });

  it.each(["NO_PROXY", "no_proxy"])("goes direct to hosts listed in %s", async (variable) => {
    proxied.length = 0;
    const run = setup();
    await withEnv({ HTTP_PROXY: proxyUrl, [variable]: "localhost,127.0.0.1" }, () =>
      fetchConnectors(run.options),
    );
    expect(proxied).toEqual([]);
    expect(readFileSync(join(run.dir, DEBEZIUM)).equals(served.debezium as Buffer)).toBe(true);
  });

  it("names the proxy settings when the proxy cannot be reached", async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const run = setupLocked();
    const error = await withEnv({ HTTP_PROXY: `http://user:secret@127.0.0.1:${port}` }, () =>
      failure(run.options),
    );
    expect(error.message).toMatch(
      new RegExp(
        `^${DEBEZIUM}: GET ${base}/files/debezium failed: .*ECONNREFUSED.*; check the network connection and the proxy settings \\(HTTP_PROXY=http://\\*\\*\\*@127\\.0\\.0\\.1:${port}\\), then run npm run connectors:fetch again$`,
      ),
    );
    expectNothingKept(run);
  });
});

describe("fetchConnectors: runs at the same time", { timeout: 10_000 }, () => {
  it("lets two runs into one folder take turns: both succeed with the same files, each file is fetched once", async () => {
    const a = setup();
    const linesB: string[] = [];
    const b = { ...a.options, log: (l: string) => linesB.push(l) };
    const before = requests.length;
    const [first, second] = await Promise.all([fetchConnectors(a.options), fetchConnectors(b)]);
    expect(first.sources.map((s) => s.status)).toEqual(["downloaded", "downloaded", "downloaded"]);
    expect(second.sources.map((s) => s.status)).toEqual(["verified", "verified", "verified"]);
    expect(second.plugins).toEqual(first.plugins);
    expect(requests.slice(before).sort()).toEqual([
      "/files/configProviders",
      "/files/debezium",
      "/files/s3Sink",
    ]);
    expect(linesB[0]).toMatch(
      new RegExp(
        `^waiting: another fetch is running \\(pid ${process.pid}, since [0-9T:.Z-]+\\) and holds ${join(a.dir, FOLDER_LOCK_FILE)}$`,
      ),
    );
    expect(zipsIn(a.dir).sort()).toEqual([S3_SINK, MERGED, DEBEZIUM, PROVIDERS].sort());
    expect(readFileSync(a.lockFile, "utf8")).toBe(fullLock());
  });

  it("fails clearly when another live run holds the folder past the wait, and leaves its lock alone", async () => {
    const run = setupLocked();
    const lockPath = join(run.dir, FOLDER_LOCK_FILE);
    const held = `${JSON.stringify({ pid: 1, host: hostname(), started: "2030-01-01T00:00:00.000Z", token: "other" })}\n`;
    writeFileSync(lockPath, held);
    const error = await failure({ ...run.options, lockWaitMs: 300 });
    expect(error.message).toBe(
      `${run.dir}: another fetch is running (pid 1, since 2030-01-01T00:00:00.000Z) and holds ${lockPath}; gave up after 0.3 s. Wait for it to finish and run npm run connectors:fetch again, or, if no fetch is running, delete ${lockPath}`,
    );
    expect(readFileSync(lockPath, "utf8")).toBe(held);
    rmSync(lockPath);
    expectNothingKept(run);
  });

  it("takes over the lock of a run that died, and removes the temporary files such runs left", async () => {
    const run = setup();
    mkdirSync(run.dir, { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", ""]).pid as number;
    writeFileSync(
      join(run.dir, FOLDER_LOCK_FILE),
      JSON.stringify({ pid: dead, host: hostname(), started: "2030-01-01T00:00:00.000Z", token: "dead" }),
    );
    const leftovers = [`.${DEBEZIUM}.${dead}-0123456789ab.partial`, `${S3_SINK}.partial`];
    for (const name of leftovers) writeFileSync(join(run.dir, name), "half a zip");
    await fetchConnectors(run.options);
    expect(run.lines[0]).toBe(
      `removed the stale lock ${join(run.dir, FOLDER_LOCK_FILE)} of pid ${dead}, which is no longer running`,
    );
    expect(run.lines.slice(1, 3).sort()).toEqual(
      leftovers.map((name) => `removed ${join(run.dir, name)}, left by an interrupted run`).sort(),
    );
    expect(zipsIn(run.dir).sort()).toEqual([S3_SINK, MERGED, DEBEZIUM, PROVIDERS].sort());
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
    // Same pins (the built plugin's too); the URLs are the real manifest's.
    const shas = (file: string) =>
      Object.entries(parseLock(readFileSync(file, "utf8"), file)).map(([f, e]) => [f, e.sha256]);
    expect(shas(join(tmp, "written", "lock.json"))).toEqual(shas(lockFile));
    expect(shas(written.lockFile)).toEqual(shas(lockFile));
    expect(recordedIn(lockFile)).toHaveLength(4);
  });
});

interface CliRun {
  readonly child: ChildProcess;
  /** Output so far. */
  readonly out: { stdout: string; stderr: string };
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * Starts the CLI as `npm run connectors:fetch` does, with no proxy variables unless `env` sets some.
 * Asynchronous: the servers live in this process. Killed after 20 s, so a test never hangs on it.
 */
function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !PROXY_VARIABLES.includes(name)),
  );
  const child = spawn(process.execPath, ["--require", "tsx/cjs", "scripts/fetch-connectors.ts", ...args], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...clean, ...env },
  });
  const out = { stdout: "", stderr: "" };
  child.stdout?.on("data", (d) => {
    out.stdout += d;
  });
  child.stderr?.on("data", (d) => {
    out.stderr += d;
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, ...out });
    });
  });
  return { child, out, done };
}

function runCli(args: string[], env: Record<string, string> = {}) {
  return startCli(args, env).done;
}

describe("npm run connectors:fetch", { timeout: 20_000 }, () => {
  function cliArgs(
    m: ConnectorManifest,
    dir = setup(m).dir,
  ): { args: string[]; dir: string; lockFile: string } {
    const lockFile = join(dir, "connectors.lock.json");
    const manifestFile = join(dir, "..", "connectors.json");
    mkdirSync(join(dir, ".."), { recursive: true });
    writeFileSync(manifestFile, JSON.stringify(m));
    return { args: ["--manifest", manifestFile, "--dir", dir, "--lock", lockFile], dir, lockFile };
  }

  /** A folder with only a complete lock, and CLI arguments for it. */
  function lockedCliArgs(m: ConnectorManifest) {
    const run = setupLocked(m);
    return { ...cliArgs(m, run.dir), run };
  }

  it("on Ctrl-C during a download: removes the partial file, leaves the lock as it was, exits 130", async () => {
    const { args, run } = lockedCliArgs(manifest({ debezium: "/drip/debezium" }));
    const cli = startCli(args);
    // The partial file exists while the download runs; the progress line may reach the pipe a moment later.
    await waitFor(
      () =>
        readdirSync(run.dir).some((f) => f.endsWith(".partial")) &&
        cli.out.stdout.includes(`downloading ${DEBEZIUM}`),
      10_000,
      "the download to start writing its partial file and say so",
    );
    cli.child.kill("SIGINT");
    const result = await cli.done;
    expect(result.stderr).toBe(`${DEBEZIUM}: download interrupted; nothing was kept\n`);
    expect(result.code).toBe(130);
    expectNothingKept(run);
  });

  it("takes --deadline, --idle-timeout and --max-mb", async () => {
    const slow = lockedCliArgs(manifest({ debezium: "/drip/debezium" }));
    const deadline = await runCli([...slow.args, "--deadline", "0.5", "--idle-timeout", "5"]);
    expect(deadline.code).toBe(1);
    expect(deadline.stderr).toMatch(
      new RegExp(
        `^${DEBEZIUM}: GET ${base}/drip/debezium did not finish within the 0.5 s deadline \\(received \\d+ of \\d+ bytes\\); nothing was kept\\. .*\\n$`,
      ),
    );
    expectNothingKept(slow.run);

    const big = lockedCliArgs(manifest());
    const capped = await runCli([...big.args, "--max-mb", "0.001"]);
    expect(capped.code).toBe(1);
    expect(capped.stderr).toContain(`over the 1049 bytes cap; nothing was downloaded.`);
    expectNothingKept(big.run);

    const bad = await runCli([...big.args, "--deadline", "soon"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^--deadline soon: expected a positive number; usage: npm run connectors:fetch -- /,
    );
  });

  it("lets two runs at once take turns: the second waits, naming the first's pid; both exit 0 with the same files", async () => {
    const { args, dir, lockFile } = cliArgs(manifest({ debezium: "/gate/debezium" }));
    const before = requests.length;
    const first = startCli(args);
    await waitFor(
      () => requests.slice(before).includes("/gate/debezium"),
      10_000,
      "the first run to hold the folder",
    );
    const second = startCli(args);
    await waitFor(() => second.out.stdout.includes("waiting: "), 10_000, "the second run to wait");
    gate.open();
    const [a, b] = await Promise.all([first.done, second.done]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, "", ""]);
    expect(b.stdout).toContain(`waiting: another fetch is running (pid ${first.child.pid}, since `);
    const ready = (out: string) => out.split("\n").filter((l) => l.startsWith("ready "));
    expect(ready(b.stdout)).toEqual(ready(a.stdout));
    expect(
      requests
        .slice(before)
        .filter((r) => r.startsWith("/gate/") || r.startsWith("/files/"))
        .sort(),
    ).toEqual(["/files/configProviders", "/files/s3Sink", "/gate/debezium"]);
    expect(recordedIn(lockFile)).toEqual([DEBEZIUM, MERGED, PROVIDERS, S3_SINK].sort());
    expect(zipsIn(dir).sort()).toEqual([S3_SINK, MERGED, DEBEZIUM, PROVIDERS].sort());
  });

  it.skipIf(!tls)("downloads over https through the proxy in lower-case https_proxy", async () => {
    proxied.length = 0;
    const m = manifest({
      debezium: `${tlsBase}/files/debezium`,
      configProviders: `${tlsBase}/files/configProviders`,
      s3Sink: `${tlsBase}/files/s3Sink`,
    });
    const { args, dir } = cliArgs(m);
    const run = await runCli(args, { https_proxy: proxyUrl, NODE_EXTRA_CA_CERTS: tls?.certFile ?? "" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(proxied).toContain(`CONNECT 127.0.0.1:${new URL(tlsBase).port}`);
    expect(readFileSync(join(dir, S3_SINK)).equals(served.s3Sink as Buffer)).toBe(true);
  });

  it("downloads, prints one line per plugin ready and the pins to review, exits 0", async () => {
    const { args, dir, lockFile } = cliArgs(manifest());
    const run = await runCli(args);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const ready = run.stdout.split("\n").filter((l) => l.startsWith("ready "));
    const merged = readFileSync(join(dir, MERGED));
    expect(ready).toEqual([
      `ready ${join(dir, MERGED)} (${(merged.length / 1024 / 1024).toFixed(1)} MB, sha256 ${sha256(merged).slice(0, 12)})`,
      `ready ${join(dir, S3_SINK)} (${((served.s3Sink as Buffer).length / 1024 / 1024).toFixed(1)} MB, sha256 ${sha256(served.s3Sink as Buffer).slice(0, 12)})`,
    ]);
    expect(run.stdout.split("\n").filter((l) => l.startsWith("pinned "))).toEqual([
      `pinned ${DEBEZIUM}, ${PROVIDERS}, ${S3_SINK}, ${MERGED} in ${lockFile}: review the diff (git diff ${lockFile}), commit it, and run npm run docs (connectors/README.md shows the pins)`,
    ]);
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("pinned ");
  });

  it("takes --update-pin <file>, repeatable, and refuses an unknown file in one line", async () => {
    const { args, dir, lockFile } = cliArgs(manifest());
    expect((await runCli(args)).code).toBe(0);
    // The vendor republishes the sink: the next fetch refuses it, naming the command that accepts it.
    rmSync(join(dir, S3_SINK));
    const republished = cliArgs(manifest({ s3Sink: "/files/s3SinkRepublished" }), dir).args;
    const refused = await runCli(republished);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /run npm run connectors:fetch -- --update-pin confluentinc-kafka-connect-s3-10\.6\.7\.zip\n$/,
    );
    const updated = await runCli([...republished, "--update-pin", S3_SINK, "--update-pin", DEBEZIUM]);
    expect(updated.stderr).toBe("");
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain(`pinned ${S3_SINK} in ${lockFile}: review the diff`);
    expect(parseLock(readFileSync(lockFile, "utf8"), lockFile)[S3_SINK]?.sha256).toBe(
      sha256(served.s3SinkRepublished as Buffer),
    );
    const unknown = await runCli([...republished, "--update-pin", "nope.zip"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^--update-pin nope\.zip: not a file of the connectors manifest; expected one of .*\n$/,
    );
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

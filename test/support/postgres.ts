/**
 * A throwaway PostgreSQL server per test file: temp dir, free port on 127.0.0.1, wal_level=logical.
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (Debian's) that
 * owns the temp dir; clients stay in this process. Binaries: PG_BIN, else Debian's newest, else PATH.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { Client, type ClientConfig } from "pg";

const DEBIAN_PG = "/usr/lib/postgresql";

export function findPostgresBin(): string | undefined {
  if (process.env.PG_BIN)
    return existsSync(join(process.env.PG_BIN, "postgres")) ? process.env.PG_BIN : undefined;
  if (existsSync(DEBIAN_PG)) {
    const versions = readdirSync(DEBIAN_PG)
      .filter((v) => existsSync(join(DEBIAN_PG, v, "bin", "postgres")))
      .sort((a, b) => Number(b) - Number(a));
    // Prefer 15, what the demo runs on RDS; any newer also proves the SQL.
    const chosen = versions.includes("15") ? "15" : versions[0];
    if (chosen) return join(DEBIAN_PG, chosen, "bin");
  }
  const which = spawnSync("sh", ["-c", "command -v postgres"], { encoding: "utf8" });
  const path = which.stdout.trim();
  return which.status === 0 && path ? join(path, "..") : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface ConnectionParams {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export class ThrowawayPostgres {
  readonly superuserPassword = randomBytes(18).toString("base64url");
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly runAs: string[],
  ) {}

  /** `settings`: extra postgresql.conf lines, e.g. RDS's logging defaults (see rds-emulation.ts). */
  static async start(bin: string, settings: readonly string[] = []): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(join(tmpdir(), "cdc-lake-pg-"));
    const asRoot = userInfo().uid === 0;
    const runAs = asRoot ? ["runuser", "-u", "postgres", "--"] : [];
    if (asRoot) {
      const ids = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
      const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
      chownSync(dir, Number(ids), Number(gid));
    }
    chmodSync(dir, 0o700);
    const server = new ThrowawayPostgres(bin, dir, await freePort(), runAs);
    server.init(settings);
    return server;
  }

  private exec(tool: string, args: string[]): void {
    const [command, ...rest] = [...this.runAs, join(this.bin, tool), ...args];
    const result = spawnSync(command as string, rest, { encoding: "utf8", cwd: this.dir });
    if (result.status !== 0)
      throw new Error(`${tool} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  }

  private init(settings: readonly string[]): void {
    const data = join(this.dir, "data");
    const pwfile = join(this.dir, "pwfile");
    writeFileSync(pwfile, this.superuserPassword, { mode: 0o600 });
    if (this.runAs.length) {
      const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
      chownSync(pwfile, uid, -1);
    }
    this.exec("initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      `--pwfile=${pwfile}`,
      "--auth-host=scram-sha-256",
      "--auth-local=scram-sha-256",
      "--no-sync",
      "--encoding=UTF8",
      "--locale=C",
    ]);
    rmSync(pwfile);
    writeFileSync(
      join(data, "postgresql.auto.conf"),
      [
        `port = ${this.port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${this.dir}'`,
        // What rds.logical_replication=1 sets on RDS.
        "wal_level = logical",
        "max_replication_slots = 10",
        "max_wal_senders = 10",
        "max_slot_wal_keep_size = '1GB'",
        // A throwaway server: durability buys nothing here.
        "fsync = off",
        "full_page_writes = off",
        ...settings,
        "",
      ].join("\n"),
    );
    if (this.runAs.length) {
      const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
      chownSync(join(data, "postgresql.auto.conf"), uid, -1);
    }
    this.exec("pg_ctl", ["-D", data, "-l", join(this.dir, "server.log"), "-w", "-t", "60", "start"]);
  }

  /** The server's log (stderr of the postmaster, `pg_ctl -l`) so far. */
  serverLog(): string {
    return readFileSync(join(this.dir, "server.log"), "utf8");
  }

  params(user: string, password: string, database: string): ConnectionParams {
    return { host: "127.0.0.1", port: this.port, user, password, database };
  }

  superuserParams(database = "postgres"): ConnectionParams {
    return this.params("postgres", this.superuserPassword, database);
  }

  async connect(params: ConnectionParams): Promise<Client> {
    const client = new Client(params satisfies ClientConfig);
    await client.connect();
    return client;
  }

  stop(): void {
    try {
      this.exec("pg_ctl", ["-D", join(this.dir, "data"), "-m", "immediate", "-w", "stop"]);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Runs `fn` with a client, always closing it. */
export async function withClient<T>(
  server: ThrowawayPostgres,
  params: ConnectionParams,
  fn: (c: Client) => Promise<T>,
) {
  const client = await server.connect(params);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const LOCK_MODES = [
  "ACCESS SHARE",
  "ROW SHARE",
  "ROW EXCLUSIVE",
  "SHARE UPDATE EXCLUSIVE",
  "SHARE",
  "SHARE ROW EXCLUSIVE",
  "EXCLUSIVE",
  "ACCESS EXCLUSIVE",
] as const;

/**
 * Runs `fn` while another session's open transaction holds `mode` on `tables` (`schema.table`), as an
 * application's would (ACCESS SHARE: any SELECT): whatever needs a conflicting lock (ALTER TABLE needs
 * ACCESS EXCLUSIVE) waits for it, so a step that runs through took none.
 */
export async function whileLocked<T>(
  server: ThrowawayPostgres,
  params: ConnectionParams,
  tables: readonly string[],
  mode: (typeof LOCK_MODES)[number],
  fn: () => T | Promise<T>,
): Promise<T> {
  if (!LOCK_MODES.includes(mode))
    throw new Error(`lock mode got ${mode}; expected one of ${LOCK_MODES.join(", ")}`);
  const quoted = tables.map((t) =>
    t
      .split(".")
      .map((part) => `"${part.replaceAll('"', '""')}"`)
      .join("."),
  );
  return withClient(server, params, async (c) => {
    await c.query("BEGIN");
    try {
      await c.query(`LOCK TABLE ${quoted.join(", ")} IN ${mode} MODE`);
      return await fn();
    } finally {
      await c.query("ROLLBACK");
    }
  });
}

/**
 * The replication slot's part of "how far did the canary get": the WAL position right after the canary's
 * commit, and later whether the slot's reader (Debezium) has confirmed a position past it. Connects with
 * the admin login, as the database stack does (TLS required, unless a test turns it off).
 * @see https://www.postgresql.org/docs/15/view-pg-replication-slots.html
 */
import type { Client } from "pg";
import { connectAs } from "./source-checks";
import type { PgLogin } from "./source-target";

async function withClient<T>(login: PgLogin, ssl: boolean, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectAs(login, ssl);
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The server's current WAL insert position: past the commit of everything committed before the call. */
export async function currentWalLsn(login: PgLogin, ssl: boolean): Promise<string> {
  return withClient(login, ssl, async (client) => {
    const { rows } = await client.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
    return rows[0]?.lsn ?? "";
  });
}

export interface SlotProgress {
  /** Whether the slot's confirmed position is at or past `lsn`; undefined when the slot is missing. */
  readonly reached: boolean | undefined;
  readonly line: string;
}

/** Where `slotName` stands against `lsn` (the position after the canary's commit). */
export async function slotProgress(
  login: PgLogin,
  ssl: boolean,
  slotName: string,
  lsn: string,
): Promise<SlotProgress> {
  return withClient(login, ssl, async (client) => {
    const { rows } = await client.query<{
      active: boolean;
      confirmed: string | null;
      reached: boolean | null;
    }>(
      `SELECT active, confirmed_flush_lsn::text AS confirmed, confirmed_flush_lsn >= $2::pg_lsn AS reached
         FROM pg_replication_slots WHERE slot_name = $1`,
      [slotName, lsn],
    );
    const row = rows[0];
    if (!row) {
      return {
        reached: undefined,
        line: `slot ${slotName}: missing (Debezium creates it when it first starts)`,
      };
    }
    const state = row.active ? "active" : "inactive (no reader connected)";
    return row.reached
      ? {
          reached: true,
          line: `slot ${slotName}: ${state}, confirmed ${row.confirmed} ≥ ${lsn}: Debezium read past the canary`,
        }
      : {
          reached: false,
          line: `slot ${slotName}: ${state}, confirmed ${row.confirmed ?? "nothing"} < ${lsn}: Debezium has not confirmed the canary`,
        };
  });
}

import type { Client } from "pg";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { LOCK_RETRY, renderCaptureSql } from "../../src/sql/capture-sql";
import { describeWithPostgres } from "../support/pg-tier";
import { type ConnectionParams, ThrowawayPostgres, withClient } from "../support/postgres";
import {
  type CaptureSqlStep,
  captureSqlStep,
  emulateRds,
  runCaptureSql,
  runCaptureSqlAsync,
  type StepRun,
} from "../support/rds-emulation";
import { DEMO_CONFIG, demoWith, managedCapture, managedDatabase, synthesize } from "../support/synth";

const config = loadConfigFile(DEMO_CONFIG);

function stepOf(c = config): CaptureSqlStep {
  const synthesized = synthesize(c);
  try {
    return captureSqlStep(synthesized.stacks["demo-database"] ?? {});
  } finally {
    synthesized.cleanup();
  }
}

describeWithPostgres(
  "PostgreSQL: the SQL step waits for table locks briefly, retries, and names the holder",
  (bin) => {
    // The demo's step wants REPLICA IDENTITY FULL on public.student, which is DEFAULT before each test.
    const step = stepOf();
    const toDefault = stepOf(demoWith((d) => (d.capture.tables[0].replicaIdentity = "default")));
    let server: ThrowawayPostgres;
    let master: ConnectionParams;
    let holder: Client;
    let holderPid: number;

    beforeAll(async () => {
      expect(LOCK_RETRY).toEqual({ lockTimeout: "2s", attempts: 4, firstPauseSeconds: 1 });
      server = await ThrowawayPostgres.start(bin);
      master = await emulateRds(
        server,
        managedDatabase(config).masterUsername,
        managedDatabase(config).databaseName,
      );
    });
    afterAll(() => server?.stop());
    beforeEach(async () => {
      const reset = runCaptureSql(toDefault, master);
      expect(reset.code, reset.output).toBe(0);
      await withClient(server, master, (c) =>
        c.query("INSERT INTO public.student (id, name) VALUES (1, 'Ada') ON CONFLICT (id) DO NOTHING"),
      );
    });

    /** The application: a transaction left open after a write, holding the table's ROW EXCLUSIVE lock. */
    async function holdLock(): Promise<void> {
      holder = await server.connect({ ...master, application_name: "shop-app" } as ConnectionParams);
      holderPid = (await holder.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      await holder.query("BEGIN");
      await holder.query("UPDATE public.student SET name = name WHERE id = 1");
    }

    /** Runs `step` while the application reads the table every 50 ms; the slowest read's duration in ms. */
    async function runWhileReading(
      s: CaptureSqlStep,
      onOutput?: (text: string) => void,
    ): Promise<{ run: StepRun; slowestReadMs: number; reads: number; elapsedMs: number }> {
      const reader = await server.connect(master);
      const started = performance.now();
      let finished = false;
      let slowestReadMs = 0;
      let reads = 0;
      const reading = (async () => {
        while (!finished) {
          const t0 = performance.now();
          await reader.query("SELECT count(*) FROM public.student");
          slowestReadMs = Math.max(slowestReadMs, performance.now() - t0);
          reads++;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const run = await runCaptureSqlAsync(s, master, onOutput);
      const elapsedMs = performance.now() - started;
      finished = true;
      await reading;
      await reader.end();
      return { run, slowestReadMs, reads, elapsedMs };
    }

    const identity = () =>
      withClient(
        server,
        master,
        async (c) =>
          (await c.query("SELECT relreplident FROM pg_class WHERE oid = 'public.student'::regclass")).rows[0]
            .relreplident,
      );

    it("stalls the application at most one lock_timeout at a time, retries, then fails naming the table and the holder", async () => {
      await holdLock();
      try {
        const { run, slowestReadMs, reads, elapsedMs } = await runWhileReading(step);
        expect(run.code, run.output).toBe(3);
        expect(run.output).toContain(
          `ERROR:  could not set REPLICA IDENTITY FULL on table "public"."student": its lock was not granted within lock_timeout 2s in any of 4 attempts; held by pid ${holderPid} (RowExclusiveLock, role msk_user, application shop-app, idle in transaction, transaction started `,
        );
        expect(run.output).toContain("query: UPDATE public.student SET name = name WHERE id = 1)");
        expect(run.output).toContain("HINT:  End that transaction or wait for it, then apply again");
        for (const [attempt, pause] of [
          [1, 1],
          [2, 2],
          [3, 4],
        ]) {
          expect(run.output).toContain(
            `NOTICE:  table "public"."student": lock not granted within lock_timeout 2s (attempt ${attempt} of 4, to set REPLICA IDENTITY FULL); held by pid ${holderPid} (`,
          );
          expect(run.output).toMatch(new RegExp(`attempt ${attempt} of 4[^\\n]*retrying in ${pause} s`));
        }
        // Four waits of 2 s and pauses of 1 + 2 + 4 s; the application waited one lock_timeout at most.
        expect(elapsedMs).toBeGreaterThan(4 * 2000 + 7000 - 500);
        expect(slowestReadMs).toBeGreaterThan(1000); // it did queue behind the waiting ALTER TABLE...
        expect(slowestReadMs).toBeLessThan(2_700); // ...for one lock_timeout (2 s) at most
        expect(reads).toBeGreaterThan(40); // and read freely during the pauses
        expect(await identity()).toBe("d");
        // The application's transaction is untouched.
        expect((await holder.query("SELECT name FROM public.student WHERE id = 1")).rows).toEqual([
          { name: "Ada" },
        ]);
      } finally {
        await holder.query("ROLLBACK");
        await holder.end();
      }
    });

    it("succeeds when the holder finishes between attempts", async () => {
      await holdLock();
      let released = false;
      const { run } = await runWhileReading(step, (output) => {
        if (!released && output.includes("attempt 1 of 4")) {
          released = true;
          void holder.query("COMMIT").then(() => holder.end());
        }
      });
      expect(released).toBe(true);
      expect(run.code, run.output).toBe(0);
      expect(run.output).toContain(
        'NOTICE:  table "public"."student": lock not granted within lock_timeout 2s (attempt 1 of 4',
      );
      expect(run.output).not.toContain("attempt 2 of 4");
      expect(await identity()).toBe("f");
      // Idempotent: a second run changes nothing and needs no lock.
      await holdLock();
      try {
        const again = runCaptureSqlAsync(step, master);
        const result = await again;
        expect(result.code, result.output).toBe(0);
        expect(result.output).not.toContain("NOTICE");
      } finally {
        await holder.query("ROLLBACK");
        await holder.end();
      }
    });

    it("stalled the application for the whole 10 s with the old single lock_timeout (so the bound above can fail)", async () => {
      const old = renderCaptureSql(managedCapture(config).tables, managedCapture(config).heartbeatSchema, {
        lockTimeout: "10s",
        attempts: 1,
        firstPauseSeconds: 0,
      });
      await holdLock();
      try {
        const { run, slowestReadMs } = await runWhileReading({ ...step, sql: old });
        expect(run.code).toBe(3);
        expect(slowestReadMs).toBeGreaterThan(9000);
      } finally {
        await holder.query("ROLLBACK");
        await holder.end();
      }
    });
  },
);

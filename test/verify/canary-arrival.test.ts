import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3SinkConnectorConfiguration } from "../../src/kafka-connect/s3-sink-settings";
import { canaryTokenIn } from "../../src/verify/canary";
import { type ArrivalOptions, awaitCanary, hourPartition } from "../../src/verify/canary-arrival";
import { type S3StandIn, startS3 } from "./s3-stand-in";

const TOPIC = "cdc-lake-demo.cdc.cdc_lake_canary";
const PREFIX = `cdc/${TOPIC}/`;
const TOKEN = "6f1c7d0e-2b8a-4b8e-9a57-3d1f0c2e9b44";
/** Half a minute before an hour turns: the canary's object lands in the next hour's partition. */
const WRITTEN_AT = Date.parse("2026-03-01T11:59:30Z");

/** A change record as the S3 sink writes Debezium's envelope (JsonFormat, one record per line). */
function record(token: string, op = "u"): string {
  return `${JSON.stringify({ before: null, after: { id: 1, token, written_at: "2026-03-01T11:59:30Z" }, op, ts_ms: WRITTEN_AT })}\n`;
}

describe("end-to-end: canary-arrival", () => {
  let s3: S3StandIn;
  let t: number;
  let sleeps: number;
  /** Called at each sleep, before the clock moves on: what the pipeline does meanwhile. */
  let meanwhile: (sleep: number) => void;
  const progress: string[] = [];

  beforeEach(async () => {
    s3 = await startS3(["lake"]);
    t = WRITTEN_AT + 500;
    sleeps = 0;
    meanwhile = () => {};
    progress.length = 0;
  });
  afterEach(async () => {
    await s3.close();
  });

  const options = (extra: Partial<ArrivalOptions> = {}): ArrivalOptions => ({
    s3: s3.client,
    bucket: "lake",
    canary: { token: TOKEN, writtenAt: new Date(WRITTEN_AT), topic: TOPIC },
    source: "managed",
    canaryTokenIn,
    timeoutMs: 60_000,
    pollMs: 5_000,
    progress: (line) => progress.push(line),
    now: () => t,
    sleep: async (ms) => {
      sleeps += 1;
      meanwhile(sleeps);
      t += ms;
    },
    ...extra,
  });

  it("passes once an object written since holds the token, with the latency measured", async () => {
    // Already there: a canary of an earlier run, two hours older (not read), and one of another token.
    s3.put(
      "lake",
      `${PREFIX}year=2026/month=03/day=01/hour=09/${TOPIC}+0+0000000007.json`,
      record("old-token"),
      new Date(WRITTEN_AT - 2 * 3600_000),
    );
    s3.put(
      "lake",
      `${PREFIX}year=2026/month=03/day=01/hour=11/${TOPIC}+0+0000000008.json`,
      record("other-run"),
      new Date(WRITTEN_AT + 1_000),
    );
    // The sink writes the canary's record during the third wait.
    const key = `${PREFIX}year=2026/month=03/day=01/hour=12/${TOPIC}+0+0000000009.json`;
    meanwhile = (n) => {
      if (n === 3) s3.put("lake", key, record(TOKEN), new Date(WRITTEN_AT + 14_000));
    };
    const r = await awaitCanary(options());
    expect(r).toEqual({
      stage: "end-to-end",
      check: "canary-arrival",
      verdict: "pass",
      source: "managed",
      detail: `canary ${TOKEN} reached s3://lake/${PREFIX} in 15.5 s (year=2026/month=03/day=01/hour=12/${TOPIC}+0+0000000009.json)`,
      data: {
        latencyMs: 15_500,
        key,
        token: TOKEN,
        topic: TOPIC,
        lastModifiedLatencyMs: 14_000,
        objectsRead: 2,
      },
    });
    // Listed from an hour before the write, and each object newer than the write read once.
    const lists = s3.requests.filter((q) => q.includes("list-type=2"));
    expect(
      lists.every((q) =>
        q.includes(`start-after=${encodeURIComponent(`${PREFIX}year=2026/month=03/day=01/hour=10`)}`),
      ),
    ).toBe(true);
    const reads = s3.requests.filter((q) => q.startsWith("GET /lake/cdc/"));
    expect(reads.map((q) => q.split("/").pop()?.split("?")[0])).toEqual([
      encodeURIComponent(`${TOPIC}+0+0000000008.json`),
      encodeURIComponent(`${TOPIC}+0+0000000009.json`),
    ]);
  });

  it("fails at the deadline saying how far the canary got: slot, connectors, the newest object", async () => {
    s3.put(
      "lake",
      `${PREFIX}year=2026/month=03/day=01/hour=09/${TOPIC}+0+0000000007.json`,
      record("old-token"),
      new Date(WRITTEN_AT - 2 * 3600_000),
    );
    const r = await awaitCanary(
      options({
        howFar: async () => ({
          lines: [
            "slot cdc_lake_demo_slot: active, confirmed 0/1A2B3C0 ≥ 0/1A2B000: Debezium read past the canary",
            "connectors now: debezium-source RUNNING, s3-sink RUNNING",
          ],
          fix: "Debezium read the change; the S3 sink has not written it: see the s3-sink connector's log group (S3 access, VPC endpoint)",
        }),
      }),
    );
    expect(r.verdict).toBe("fail");
    expect(r.detail).toBe(
      `canary ${TOKEN} not under s3://lake/${PREFIX} 60 s after it was written; ` +
        "slot cdc_lake_demo_slot: active, confirmed 0/1A2B3C0 ≥ 0/1A2B000: Debezium read past the canary; " +
        "connectors now: debezium-source RUNNING, s3-sink RUNNING; " +
        `S3: newest object under the prefix 2 h 1 min old (year=2026/month=03/day=01/hour=09/${TOPIC}+0+0000000007.json), none written since the canary`,
    );
    expect(r.fix).toBe(
      "Debezium read the change; the S3 sink has not written it: see the s3-sink connector's log group (S3 access, VPC endpoint)",
    );
    // Waited to the deadline, polling every 5 s, with a progress line every 30 s.
    expect(t).toBe(WRITTEN_AT + 60_000);
    expect(progress).toEqual([
      `  waiting for canary ${TOKEN} under s3://lake/${PREFIX}: 31 s of 60 s, 0 new object(s) read`,
    ]);
  });

  it("fails with the sink's timing as the fix when nothing at all is under the prefix", async () => {
    const r = await awaitCanary(options({ timeoutMs: 10_000 }));
    expect(r.detail).toBe(
      `canary ${TOKEN} not under s3://lake/${PREFIX} 10 s after it was written; S3: no object under the canary's prefix at all`,
    );
    expect(r.fix).toBe(
      "the lake has nothing newer than the write: see the connectors checks above; the sink commits an object after " +
        "connectors.flushSize records or connectors.rotateScheduleIntervalMs, so a --timeout shorter than that interval cannot pass",
    );
  });

  it("fails reporting the last listing error when the bucket cannot be listed", async () => {
    const r = await awaitCanary(options({ bucket: "gone", timeoutMs: 5_000 }));
    expect(r.detail).toBe(
      `canary ${TOKEN} not under s3://gone/${PREFIX} 5 s after it was written; S3: listing failed (NoSuchBucket: The specified bucket does not exist)`,
    );
  });

  it("lists from the partition the sink's path.format names", () => {
    const sink = s3SinkConnectorConfiguration({
      topics: [],
      bucketName: "b",
      region: "r",
      flushSize: 1,
      rotateScheduleIntervalMs: 1,
    });
    // hourPartition mirrors this format; if it changes, change hourPartition with it.
    expect(sink["path.format"]).toBe("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH");
    expect(sink.timezone).toBe("UTC");
    expect(hourPartition(new Date("2026-03-01T09:05:00Z"))).toBe("year=2026/month=03/day=01/hour=09");
  });
});

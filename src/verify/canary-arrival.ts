/**
 * Stage "end-to-end", second half: once verify has written a canary row in a source (canary.ts), poll the
 * lake under the canary topic's prefix for objects written since, read each new one once, and pass when one
 * holds the canary's token, with the latency measured (first seen in S3 − written). At the deadline, fail
 * saying how far the canary got: the replication slot, the connectors, the newest object under the prefix.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { awsErrorText, isAccessDenied } from "./aws-error";
import { type CheckResult, result } from "./check";
import { formatAge, topicPrefix } from "./lake-checks";
import { type LakeObject, listObjects, newestObject } from "./lake-objects";

/** What writeCanary (canary.ts) reports: the token it wrote, when, and the topic Debezium writes it to. */
export interface CanaryWrite {
  readonly token: string;
  readonly writtenAt: Date;
  readonly topic: string;
}

/** One line each about how far the canary got before the deadline, and the fix they point to. */
export interface HowFar {
  readonly lines: readonly string[];
  /** The most specific fix the lines allow, when there is one. */
  readonly fix?: string | undefined;
}

export interface ArrivalOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly canary: CanaryWrite;
  readonly source?: string | undefined;
  /** canary.ts's: whether an object's text holds the token as the sink writes it. */
  readonly canaryTokenIn: (text: string, token: string) => boolean;
  /** How long to wait, from the write. */
  readonly timeoutMs: number;
  /** Between two listings. */
  readonly pollMs?: number | undefined;
  /** Asked at the deadline: the slot's and the connectors' view (run.ts gathers them). */
  readonly howFar?: (() => Promise<HowFar>) | undefined;
  readonly progress?: ((line: string) => void) | undefined;
  readonly now?: (() => number) | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

export const DEFAULT_POLL_MS = 5_000;
/** How far S3's clock (LastModified) may be behind this machine's: older objects are not read. */
export const CLOCK_SKEW_MS = 60_000;
/** A progress line at most this often while waiting. */
const PROGRESS_EVERY_MS = 30_000;

export async function awaitCanary(o: ArrivalOptions): Promise<CheckResult> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = o.pollMs ?? DEFAULT_POLL_MS;
  const writtenAt = o.canary.writtenAt.getTime();
  const deadline = writtenAt + o.timeoutMs;
  const prefix = topicPrefix(o.canary.topic);
  const url = `s3://${o.bucket}/${prefix}`;
  const token = o.canary.token;
  const extra = { source: o.source };
  // Partitions are by record time, hourly; an hour of margin covers the clock skew and an hour's turn.
  const startAfter = `${prefix}${hourPartition(new Date(writtenAt - 60 * 60 * 1000))}`;
  const read = new Set<string>();
  let lastProgress = now();
  let listError: string | undefined;

  for (;;) {
    try {
      const candidates = (await listObjects(o.s3, o.bucket, prefix, startAfter))
        .filter((object) => object.lastModified.getTime() >= writtenAt - CLOCK_SKEW_MS)
        .filter((object) => !read.has(readKey(object)))
        .sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime());
      listError = undefined;
      for (const object of candidates) {
        read.add(readKey(object));
        const body = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: object.key }));
        const text = (await body.Body?.transformToString("utf8")) ?? "";
        if (o.canaryTokenIn(text, token)) {
          const latencyMs = Math.max(0, now() - writtenAt);
          return result(
            "end-to-end",
            "canary-arrival",
            "pass",
            `canary ${token} reached ${url} in ${formatMs(latencyMs)} (${object.key.slice(prefix.length)})`,
            {
              ...extra,
              data: {
                latencyMs,
                key: object.key,
                token,
                topic: o.canary.topic,
                lastModifiedLatencyMs: object.lastModified.getTime() - writtenAt,
                objectsRead: read.size,
              },
            },
          );
        }
      }
    } catch (error) {
      // A failed listing or read is retried until the deadline; the last one is reported.
      listError = `${awsErrorText(error)}${isAccessDenied(error) ? " (the credentials need s3:ListBucket and s3:GetObject on the bucket)" : ""}`;
    }
    const t = now();
    if (t >= deadline) break;
    if (t - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = t;
      o.progress?.(
        `  waiting for canary ${token} under ${url}: ${Math.round((t - writtenAt) / 1000)} s of ${Math.round(o.timeoutMs / 1000)} s, ${read.size} new object(s) read`,
      );
    }
    await sleep(Math.min(pollMs, Math.max(0, deadline - t)));
  }

  const lines: string[] = [];
  let fix: string | undefined;
  if (o.howFar) {
    try {
      const far = await o.howFar();
      lines.push(...far.lines);
      fix = far.fix;
    } catch (error) {
      lines.push(`how far it got could not be told: ${awsErrorText(error)}`);
    }
  }
  lines.push(await lakeLine(o, prefix, writtenAt, read.size, now(), listError));
  return result(
    "end-to-end",
    "canary-arrival",
    "fail",
    `canary ${token} not under ${url} ${Math.round(o.timeoutMs / 1000)} s after it was written; ${lines.join("; ")}`,
    {
      ...extra,
      fix:
        fix ??
        "the lake has nothing newer than the write: see the connectors checks above; the sink commits an object " +
          "after connectors.flushSize records or connectors.rotateScheduleIntervalMs, so a --timeout shorter than " +
          "that interval cannot pass",
      data: { timeoutMs: o.timeoutMs, objectsRead: read.size, howFar: lines },
    },
  );
}

/** The lake's part of "how far": the newest object under the canary's prefix, and what was read. */
async function lakeLine(
  o: ArrivalOptions,
  prefix: string,
  writtenAt: number,
  readCount: number,
  now: number,
  listError: string | undefined,
): Promise<string> {
  if (listError) return `S3: listing failed (${listError})`;
  let newest: LakeObject | undefined;
  try {
    newest = await newestObject(o.s3, o.bucket, prefix);
  } catch (error) {
    return `S3: listing failed (${awsErrorText(error)})`;
  }
  if (!newest) return "S3: no object under the canary's prefix at all";
  const age = formatAge(Math.max(0, Math.round((now - newest.lastModified.getTime()) / 1000)));
  const since = newest.lastModified.getTime() >= writtenAt - CLOCK_SKEW_MS;
  return `S3: newest object under the prefix ${age} old (${newest.key.slice(prefix.length)})${
    since
      ? `, ${readCount} written since the canary read, none holds its token`
      : ", none written since the canary"
  }`;
}

/** The sink's partition of an instant: `year=YYYY/month=MM/day=dd/hour=HH` in UTC (s3-sink-settings path.format). */
export function hourPartition(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `year=${at.getUTCFullYear()}/month=${two(at.getUTCMonth() + 1)}/day=${two(at.getUTCDate())}/hour=${two(at.getUTCHours())}`;
}

function readKey(object: LakeObject): string {
  return `${object.key}\u0000${object.etag ?? ""}`;
}

/** `850 ms`, `12.4 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Stage "lake": per change topic, the objects the S3 sink wrote under `<TOPICS_DIR>/<topic>/` (a capped
 * count) and the newest one's age. A topic with none only warns: an application table may be quiet, or
 * Debezium's snapshot may not have reached it yet; whether changes flow at all is the end-to-end check's.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { TOPICS_DIR } from "../kafka-connect/s3-sink-settings";
import { awsErrorName, awsErrorText, isAccessDenied } from "./aws-error";
import { type CheckResult, result } from "./check";
import { countObjects, newestObject } from "./lake-objects";

/** A change topic, with what the lake's messages say about it. */
export interface LakeTopic {
  readonly topic: string;
  /** The source it comes from, when known. */
  readonly source?: string | undefined;
  /** `schema.table`, when known. */
  readonly table?: string | undefined;
  /** The pipeline's canary table's topic: verify itself writes it, in the end-to-end step. */
  readonly canary: boolean;
}

/** Where the sink writes a topic's objects. */
export function topicPrefix(topic: string): string {
  return `${TOPICS_DIR}/${topic}/`;
}

export async function checkLake(
  topics: readonly LakeTopic[],
  s3: S3Client,
  bucket: string,
  options: { platformStack: string; now?: () => number } = { platformStack: "the platform stack" },
): Promise<CheckResult[]> {
  const now = options.now ?? Date.now;
  const results: CheckResult[] = [];
  let bucketProblem: string | undefined;
  for (const t of topics) {
    const prefix = topicPrefix(t.topic);
    const url = `s3://${bucket}/${prefix}`;
    const extra = { source: t.source };
    if (bucketProblem) {
      results.push(
        result("lake", "lake-objects", "skip", `${t.topic}: not listed (${bucketProblem})`, extra),
      );
      continue;
    }
    let counted: { count: number; capped: boolean };
    let newest: Awaited<ReturnType<typeof newestObject>>;
    try {
      counted = await countObjects(s3, bucket, prefix);
      newest = counted.count > 0 ? await newestObject(s3, bucket, prefix) : undefined;
    } catch (error) {
      const name = awsErrorName(error);
      bucketProblem =
        name === "NoSuchBucket"
          ? `bucket ${bucket} not found`
          : `listing ${url} failed: ${awsErrorText(error)}`;
      results.push(
        result("lake", "lake-objects", "fail", `${t.topic}: ${bucketProblem}`, {
          ...extra,
          fix:
            name === "NoSuchBucket"
              ? `apply the platform stack (npm run deploy -- apply ${options.platformStack}); its output s3_bucket_name names the lake`
              : isAccessDenied(error)
                ? `grant s3:ListBucket on ${bucket} to the AWS credentials verify runs with`
                : "check the AWS credentials and region verify runs with (AWS_REGION, AWS_ENDPOINT_URL_S3)",
        }),
      );
      continue;
    }
    if (counted.count === 0 || !newest) {
      const what = t.table ?? t.topic;
      results.push(
        t.canary
          ? result("lake", "lake-objects", "warn", `${t.topic}: no canary object under ${url} yet`, {
              ...extra,
              fix: "none needed before verify's first end-to-end step, which writes one; later, see that step's result",
              data: { objects: 0 },
            })
          : result(
              "lake",
              "lake-objects",
              "warn",
              `${t.topic}: no objects under ${url} yet: ${what} is quiet (no change since the connector started) or not yet snapshotted`,
              {
                ...extra,
                fix:
                  `change a row of ${what}, or wait for Debezium's snapshot and the sink's rotation ` +
                  "(connectors.rotateScheduleIntervalMs); the end-to-end check tells whether changes flow",
                data: { objects: 0 },
              },
            ),
      );
      continue;
    }
    const ageSeconds = Math.max(0, Math.round((now() - newest.lastModified.getTime()) / 1000));
    const count = `${counted.count}${counted.capped ? "+" : ""} object${counted.count === 1 ? "" : "s"}`;
    results.push(
      result(
        "lake",
        "lake-objects",
        "pass",
        `${t.topic}: ${count} under ${url}, newest ${formatAge(ageSeconds)} old (${newest.key.slice(prefix.length)})`,
        {
          ...extra,
          data: {
            objects: counted.count,
            objectsCapped: counted.capped,
            newestKey: newest.key,
            newestAgeSeconds: ageSeconds,
          },
        },
      ),
    );
  }
  return results;
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * Listing what the S3 sink wrote under a prefix, cheaply: a capped count, and the newest object found by
 * walking down the newest partition (`year=…/month=…/day=…/hour=…/` sort in time order), so a topic with a
 * year of hourly objects costs a few requests, not a full listing.
 */
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

export interface LakeObject {
  readonly key: string;
  readonly lastModified: Date;
  readonly etag?: string | undefined;
}

/** Keys counted before the count is reported as "at least". */
export const MAX_COUNTED_KEYS = 10_000;

/** How many objects are under `prefix`, up to MAX_COUNTED_KEYS (`capped` when there are more). */
export async function countObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ count: number; capped: boolean }> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    // Contents, not KeyCount: KeyCount counts rolled-up prefixes too, and some S3-compatible servers leave it 0.
    count += page.Contents?.length ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (count >= MAX_COUNTED_KEYS && token) return { count, capped: true };
  } while (token);
  return { count, capped: false };
}

/**
 * The newest object under `prefix`: at each level, the objects there and the greatest sub-prefix (the
 * newest partition), down to the leaves.
 */
export async function newestObject(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<LakeObject | undefined> {
  const { objects, prefixes } = await listLevel(s3, bucket, prefix);
  let newest = objects.reduce<LakeObject | undefined>(
    (best, o) => (!best || o.lastModified > best.lastModified ? o : best),
    undefined,
  );
  // Partitions are named so that the newest sorts last; an empty one (deleted objects) falls back to the next.
  for (const sub of [...prefixes].sort().reverse()) {
    const below = await newestObject(s3, bucket, sub);
    if (below) {
      if (!newest || below.lastModified > newest.lastModified) newest = below;
      break;
    }
  }
  return newest;
}

/** Objects (after `startAfter`, when given) under a prefix, every page, with no delimiter. */
export async function listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  startAfter?: string,
): Promise<LakeObject[]> {
  const objects: LakeObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        StartAfter: token ? undefined : startAfter,
      }),
    );
    for (const o of page.Contents ?? []) objects.push(toLakeObject(o));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function listLevel(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ objects: LakeObject[]; prefixes: string[] }> {
  const objects: LakeObject[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) objects.push(toLakeObject(o));
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, prefixes };
}

function toLakeObject(o: { Key?: string; LastModified?: Date; ETag?: string }): LakeObject {
  return { key: o.Key ?? "", lastModified: o.LastModified ?? new Date(0), etag: o.ETag };
}

import { z } from "zod";
import { int32, s3BucketName } from "../fields";

export const StorageSchema = z
  .strictObject({
    bucketName: s3BucketName
      .optional()
      .describe(
        "Data-lake bucket name. Default: <project>-<environment>-lake-<unique suffix> (bucket_prefix).",
      ),
    forceDestroy: z
      .boolean()
      .default(false)
      .describe("Let destroy delete a non-empty bucket. Demo relaxation."),
    versioning: z
      .boolean()
      .default(true)
      .describe("Keep previous versions of overwritten or deleted objects."),
    noncurrentVersionDays: int32()
      .min(1)
      .default(30)
      .describe("Delete previous object versions after this many days."),
    infrequentAccessAfterDays: int32()
      .min(30)
      .optional()
      .describe("Move objects to S3 Standard-IA after this many days (30 at least). Default: never."),
  })
  .prefault({})
  .describe("The S3 data lake that receives the change events as JSON.");

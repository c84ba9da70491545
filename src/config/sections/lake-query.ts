import { z } from "zod";
import { int32 } from "../fields";

/**
 * Athena refuses a per-query cutoff under 10 MB (BytesScannedCutoffPerQuery, "Minimum value of 10000000"),
 * and the AWS provider under 10,485,760 bytes: 10 MiB satisfies both.
 * @see https://docs.aws.amazon.com/athena/latest/APIReference/API_WorkGroupConfiguration.html
 */
export const MIN_BYTES_SCANNED_CUTOFF_MIB = 10;
/** 10 GiB: a full scan of a small lake, and a bound on one mistaken query's cost (Athena bills per TB scanned). */
export const DEFAULT_BYTES_SCANNED_CUTOFF_MIB = 10_240;
/** 30 days: long enough to download a result again, short enough that results do not pile up in the lake. */
export const DEFAULT_RESULTS_RETENTION_DAYS = 30;
/** The year of this section's default: the sink's objects are stamped with record time, never earlier than the pipeline. */
export const DEFAULT_FIRST_PARTITION_YEAR = 2026;

export const LakeQuerySchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Make the lake queryable: a Glue database with one table per captured table (partition projection " +
          "over the sink's folders: no crawler, no MSCK REPAIR), current-state and changes views, an Athena " +
          "workgroup and an analyst IAM policy to attach.",
      ),
    bytesScannedCutoffPerQueryMiB: int32()
      .min(
        MIN_BYTES_SCANNED_CUTOFF_MIB,
        `expected at least ${MIN_BYTES_SCANNED_CUTOFF_MIB} (Athena's BytesScannedCutoffPerQuery has a minimum value of 10,000,000 bytes, and the AWS provider of 10 MiB)`,
      )
      .max(
        // int32 MiB in bytes fits a Java long, Athena's type; this bound keeps it within a JavaScript safe integer.
        8_388_608,
        "expected at most 8388608 (8 TiB)",
      )
      .default(DEFAULT_BYTES_SCANNED_CUTOFF_MIB)
      .describe(
        "The workgroup's per-query data usage control, in MiB: Athena cancels a query once it has scanned " +
          "this much (BytesScannedCutoffPerQuery). At least 10 (Athena's minimum of 10 MB).",
      ),
    resultsRetentionDays: int32()
      .min(1, "expected at least 1 (an S3 lifecycle expiration is a whole number of days)")
      .max(36_500, "expected at most 36500 (100 years)")
      .default(DEFAULT_RESULTS_RETENTION_DAYS)
      .describe(
        "Days the workgroup's query results are kept under athena-results/ in the lake bucket before an S3 " +
          "lifecycle rule deletes them (with storage.versioning, the deleted versions follow " +
          "storage.noncurrentVersionDays).",
      ),
    firstPartitionYear: z
      .number()
      .int()
      .min(1970, "expected a year from 1970 (the sink's folders are stamped with Kafka record time)")
      .max(9999, "expected a four-digit year (the sink writes year=YYYY)")
      // The sink names folders by UTC record time (s3-sink-settings.ts: timezone UTC): a year after this UTC
      // year names no folder yet, and Athena's projection from it to NOW would read nothing.
      .refine((year) => year <= new Date().getUTCFullYear(), {
        error: () =>
          `expected this year (${new Date().getUTCFullYear()}, UTC) or earlier: the sink names folders by UTC ` +
          "record time, and a later year would hide every one of them",
      })
      .default(DEFAULT_FIRST_PARTITION_YEAR)
      .describe(
        "The first year whose folders queries read: the lower bound of the tables' partition projection " +
          "(year from here to NOW). Set it to the year the pipeline first wrote to the lake: an earlier year " +
          "makes unfiltered queries list empty folders, a later one hides older data. At most this year (UTC).",
      ),
  })
  .prefault({})
  .describe(
    "Querying the lake with Athena. Tables read the JSON the S3 sink writes, with either connectors.jsonSchemas.",
  );

import { z } from "zod";
import { LOG_RETENTION_DAYS } from "../fields";

export const LogsSchema = z
  .strictObject({
    retentionDays: z
      .number()
      .refine(
        (v) => (LOG_RETENTION_DAYS as readonly number[]).includes(v),
        `expected one of ${LOG_RETENTION_DAYS.join(", ")}`,
      )
      .default(365)
      .describe("CloudWatch log retention in days (a value CloudWatch accepts)."),
  })
  .prefault({})
  .describe("CloudWatch Logs for brokers and connectors.");

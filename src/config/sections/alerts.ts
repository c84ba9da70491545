import { z } from "zod";

export const AlertsSchema = z
  .strictObject({
    snsTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, "expected an SNS topic ARN")
      .optional()
      .describe(
        "SNS topic the alarms (replication slot lag, free storage) notify. Default: none (console only).",
      ),
  })
  .prefault({})
  .describe("CloudWatch alarms on the source database.");

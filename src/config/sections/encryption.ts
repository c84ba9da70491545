import { z } from "zod";

export const EncryptionSchema = z
  .strictObject({
    customerManagedKey: z
      .boolean()
      .default(true)
      .describe(
        "Encrypt RDS (storage, Performance Insights), MSK at rest and the data lake with one KMS key of the " +
          "pipeline (rotated yearly) instead of AWS managed keys.",
      ),
  })
  .prefault({})
  .describe("Encryption at rest.");

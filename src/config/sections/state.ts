import { z } from "zod";
import { addProblem, awsRegion, s3BucketName } from "../fields";

/** S3 key segments: no empty, "." or ".." segment, no leading or trailing slash (a traversal or an odd key). */
const KEY_PREFIX = /^[A-Za-z0-9_.=+@-]+(\/[A-Za-z0-9_.=+@-]+)*$/;

/** A KMS key id, key ARN, alias name or alias ARN. */
const KMS_KEY =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]+)|[0-9a-f-]{36}|alias\/[A-Za-z0-9/_-]+)$/;

const LocalStateSchema = z
  .strictObject({
    backend: z.literal("local").describe("local: state files in a project folder."),
    directory: z
      .string()
      .default("state")
      .describe("Folder for the state files, relative to the project root; one file per stack."),
  })
  .describe(
    "Local state: files in a project folder, written by relative path so cdk.tf.json has no machine path.",
  );

const S3StateSchema = z
  .strictObject({
    backend: z.literal("s3").describe("s3: state objects in an S3 bucket, locked with use_lockfile."),
    bucket: s3BucketName.describe("Existing S3 bucket for state. Required."),
    region: awsRegion.optional().describe("Region of the state bucket. Default: the pipeline's region."),
    keyPrefix: z
      .string()
      .max(900, "expected at most 900 characters (S3 keys are at most 1024 bytes)")
      .regex(
        KEY_PREFIX,
        "expected key segments of letters, digits and _ . = + @ - joined by single slashes, no . or .. segment",
      )
      .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), "expected no . or .. segment")
      .default("cdc-lake")
      .describe("Key prefix; each stack's state is <keyPrefix>/<stack>.tfstate."),
    kmsKeyId: z
      .string()
      .regex(KMS_KEY, "expected a KMS key id, key ARN, alias/<name> or alias ARN")
      .optional()
      .describe(
        "KMS key for state objects. Default: the bucket's default encryption (SSE-S3 or its KMS key).",
      ),
  })
  .describe("S3 state with native locking (use_lockfile): for teams. One key per stack.");

export const StateSchema = z
  .discriminatedUnion("backend", [LocalStateSchema, S3StateSchema])
  .superRefine((state, ctx) => {
    // A relative folder inside the project, so the JSON carries no machine path.
    if (
      state.backend === "local" &&
      (state.directory.startsWith("/") || state.directory.split(/[\\/]/).includes(".."))
    ) {
      addProblem(
        ctx,
        ["directory"],
        `got "${state.directory}"; expected a relative folder inside the project, such as state`,
      );
    }
  })
  .prefault({ backend: "local" })
  .describe("Where Terraform state lives: local files in ./state unless set.");

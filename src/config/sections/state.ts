import { z } from "zod";
import { addProblem } from "../fields";

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
    bucket: z.string().min(3).describe("Existing S3 bucket for state. Required."),
    region: z.string().optional().describe("Region of the state bucket. Default: the pipeline's region."),
    keyPrefix: z
      .string()
      .default("cdc-lake")
      .describe("Key prefix; each stack's state is <keyPrefix>/<stack>.tfstate."),
    kmsKeyId: z
      .string()
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

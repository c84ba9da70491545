/**
 * Field shapes shared by several config sections, and the limits of the services that receive them.
 */
import { z } from "zod";
import { parseCidr } from "./cidr";

/** RDS PostgreSQL majors with logical replication through `rds.logical_replication` and a parameter family. */
export const SUPPORTED_POSTGRES_MAJORS = [13, 14, 15, 16, 17] as const;

/** The values CloudWatch Logs accepts for `retention_in_days`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Lowercase words joined by single hyphens: valid in every physical name this project derives. */
export const NAME_PART_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export const cidrBlock = z
  .string()
  .refine((v) => parseCidr(v) !== undefined, "expected an IPv4 CIDR block such as 10.0.0.0/16");

/** Unquoted PostgreSQL identifier: what the seed's SQL uses, and what needs no quoting anywhere. */
export const pgIdentifier = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,62}$/,
    "expected a lowercase PostgreSQL identifier ([a-z_][a-z0-9_]*, ≤ 63 chars)",
  );

export const namePart = (what: string) =>
  z.string().regex(NAME_PART_PATTERN, `expected lowercase letters, digits and single hyphens (${what})`);

/** Adds an issue at `path` (relative to the checked object); the message is the whole "got X; expected Y". */
export function addProblem(ctx: z.RefinementCtx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: "custom", path, message, input: undefined });
}

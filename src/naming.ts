/**
 * One source of physical names: `<project>-<environment>-<component>`.
 *
 * Names are part of the infrastructure's identity (renaming an RDS instance or MSK cluster replaces it),
 * so they are derived in exactly one place and checked against each service's limit before synth.
 */

/** Longest physical name this project derives, per AWS limit that applies to it. */
interface NameRule {
  /** What the name is, in the user's terms. */
  readonly what: string;
  readonly component: string;
  readonly maxLength: number;
  /** Characters appended after `component` by AWS or by us (e.g. a bucket prefix's random suffix). */
  readonly reserved?: number;
}

/**
 * Limits that bind: S3 `bucket_prefix` (37, since Terraform appends 26 characters to reach 63),
 * RDS identifiers (63), MSK cluster names (64), IAM role names (64).
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
const NAME_RULES: readonly NameRule[] = [
  { what: "S3 data-lake bucket prefix", component: "lake-", maxLength: 37 },
  { what: "S3 connector-plugin bucket prefix", component: "plugins-", maxLength: 37 },
  { what: "RDS instance identifier", component: "postgres", maxLength: 63 },
  { what: "MSK cluster name", component: "msk", maxLength: 64 },
  // "<base>-debezium-source-worker-<8-hex hash>": named from its content hash.
  {
    what: "MSK Connect worker configuration name",
    component: "debezium-source-worker",
    maxLength: 64,
    reserved: 9,
  },
  { what: "IAM role name", component: "debezium-source", maxLength: 64 },
];

/** Lowercase words joined by single hyphens: valid for every service this project names. */
export const NAME_PART_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export class Naming {
  readonly base: string;

  constructor(
    readonly project: string,
    readonly environment: string,
  ) {
    this.base = `${project}-${environment}`;
  }

  /** `<project>-<environment>-<component>`. */
  name(component: string): string {
    return `${this.base}-${component}`;
  }

  /** Prefix for `bucket_prefix`; Terraform appends a unique suffix, so names never collide globally. */
  get bucketPrefix(): string {
    return this.name("lake-");
  }

  /** CloudWatch log group names are paths: `/<project>/<environment>/<component>`. */
  logGroup(component: string): string {
    return `/${this.project}/${this.environment}/${component}`;
  }

  /** Stack names: `<environment>-platform`, `<environment>-database`, `<environment>-connectors`. */
  stack(kind: "platform" | "database" | "connectors"): string {
    return `${this.environment}-${kind}`;
  }

  /** The tightest service limit the derived names exceed, if any, worded for the user. */
  lengthProblem(): string | undefined {
    const over = NAME_RULES.map((rule) => {
      const length = this.name(rule.component).length + (rule.reserved ?? 0);
      return { rule, length, allowed: rule.maxLength - (length - this.base.length) };
    })
      .filter(({ rule, length }) => length > rule.maxLength)
      .sort((a, b) => a.allowed - b.allowed)[0];
    if (!over) return undefined;
    return (
      `${over.rule.what} "${this.name(over.rule.component)}" would be ${over.length} characters; expected at most ` +
      `${over.rule.maxLength} (shorten project + environment to ${over.allowed} characters together)`
    );
  }
}

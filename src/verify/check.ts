/**
 * What `npm run verify` reports: one result per check, in pipeline order (source → connectors → lake →
 * end to end). Every check that does not pass says what it saw and the fix, in the operator's terms;
 * docs/runbook.md has a section per check name.
 */

/** Where in the pipeline a check looks. */
export type Stage = "source" | "connectors" | "lake" | "end-to-end";

/** pass: holds. warn: holds, but worth a look (a quiet table). fail: broken. skip: could not be checked. */
export type Verdict = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
  readonly stage: Stage;
  /** Stable, kebab-case: `slot-active`, `connector-state`… (the runbook's anchors). */
  readonly check: string;
  /** The source the check is about (`managed` for the RDS instance the pipeline creates), if any. */
  readonly source?: string | undefined;
  readonly verdict: Verdict;
  /** What was seen: "slot cdc_lake_demo_slot active, 1.2 MiB behind (wal_status reserved)". */
  readonly detail: string;
  /** What to do, when the verdict is not pass. */
  readonly fix?: string | undefined;
  /** Measurements, for --json (bytes behind, latency in ms, object age in s…). */
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}

/** A check's result built in one call: `result("source", "slot-active", "fail", …)`. */
export function result(
  stage: Stage,
  check: string,
  verdict: Verdict,
  detail: string,
  extra: { source?: string; fix?: string; data?: Record<string, unknown> } = {},
): CheckResult {
  return { stage, check, verdict, detail, ...extra };
}

/** Only pass and warn hold: verify exits 0 when every result is one of them. */
export function holds(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.verdict === "pass" || r.verdict === "warn");
}

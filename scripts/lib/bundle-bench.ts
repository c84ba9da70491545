/**
 * The figures and the verdict of `npm run bench` (scripts/bench.ts), apart from the timing so that tests
 * can check the verdict without running a benchmark; and the many-tables config it synthesizes.
 */
import { isMap, parseDocument } from "yaml";

/**
 * Issue 9: a whole `node scripts/synth.cjs` of the demo ≤ 5× `node -e 0` on the same machine, ≤ 150 MB.
 * Issue 12: the same synth with 500 captured tables ≤ 1.5× the demo's (one table), in the same run.
 */
export const TARGETS = { ratio: 5, peakMb: 150, manyTablesRatio: 1.5 } as const;

export interface Targets {
  readonly ratio: number;
  readonly peakMb: number;
  readonly manyTablesRatio: number;
}

export interface BenchFigures {
  /** Median wall time of `node -e 0`, in seconds. */
  readonly floorSeconds: number;
  /** Median wall time of the whole synth process of the demo (one table), in seconds. */
  readonly synthSeconds: number;
  /** Largest peak RSS of the demo's synth runs, in MB; undefined when it could not be measured (no GNU time). */
  readonly peakMb: number | undefined;
  /** Median wall time of the whole synth process of the many-tables config, in seconds. */
  readonly manyTablesSeconds: number;
}

export interface BenchVerdict {
  readonly ok: boolean;
  /** synthSeconds / floorSeconds. */
  readonly ratio: number;
  /** manyTablesSeconds / synthSeconds. */
  readonly manyTablesRatio: number;
  /** One line per target: the figure, the target, and whether it is met. */
  readonly lines: readonly string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A ratio of medians that is a number above zero and at most `limit`. */
const within = (ratio: number, limit: number) => Number.isFinite(ratio) && ratio > 0 && ratio <= limit;

/** Met when both ratios of medians and the peak RSS are at or below their targets; anything unmeasured fails. */
export function benchVerdict(figures: BenchFigures, targets: Targets = TARGETS): BenchVerdict {
  const ratio = figures.synthSeconds / figures.floorSeconds;
  const ratioOk = within(ratio, targets.ratio);
  const peak = figures.peakMb;
  const peakOk = peak !== undefined && Number.isFinite(peak) && peak <= targets.peakMb;
  const manyTablesRatio = figures.manyTablesSeconds / figures.synthSeconds;
  const manyOk = within(manyTablesRatio, targets.manyTablesRatio);
  const verdict = (ok: boolean) => (ok ? "within target" : "OVER TARGET");
  const lines = [
    `ratio ${ratio.toFixed(2)}× ${verdict(ratioOk)} (≤ ${targets.ratio}×)`,
    peak === undefined
      ? "peak RSS NOT MEASURED (install GNU time: apt-get install time)"
      : `peak RSS ${peak.toFixed(0)} MB ${verdict(peakOk)} (≤ ${targets.peakMb} MB)`,
    `${MANY_TABLES.tables} tables ${manyTablesRatio.toFixed(2)}× of 1 table ${verdict(manyOk)} (≤ ${targets.manyTablesRatio}×)`,
  ];
  return { ok: ratioOk && peakOk && manyOk, ratio, manyTablesRatio, lines };
}

/** Issue 12's case: 500 tables across 20 schemas; every 10th created by the pipeline, the rest the application's. */
export const MANY_TABLES = { tables: 500, schemas: 20, createdEvery: 10 } as const;

/** Table `n` (1-based) of the many-tables config: s01.t001 … s20.t500, 25 to a schema. */
function manyTable(n: number) {
  const perSchema = MANY_TABLES.tables / MANY_TABLES.schemas;
  const schema = `s${String(Math.ceil(n / perSchema)).padStart(2, "0")}`;
  const table = { schema, table: `t${String(n).padStart(3, "0")}` };
  if (n % MANY_TABLES.createdEvery !== 0) return table;
  // Created when missing: two columns, and a third on every other one (a default that is a function).
  const columns: Record<string, unknown>[] = [
    { name: "id", type: "bigserial", primaryKey: true },
    { name: "name", type: "varchar(100)" },
  ];
  if (n % (2 * MANY_TABLES.createdEvery) === 0)
    columns.push({ name: "updated_at", type: "timestamptz", default: { function: "now()" } });
  return { ...table, columns };
}

/**
 * `configText` (config/demo.yaml's) with capture.tables replaced by the many-tables list, one table per
 * line as a person would keep 500 of them; everything else, comments included, stays as written.
 */
export function manyTablesConfig(configText: string): string {
  const document = parseDocument(configText);
  if (document.errors.length > 0 || !isMap(document.get("capture")))
    throw new Error(
      `bench: got a config without a capture section (or with YAML errors); expected config/demo.yaml's shape`,
    );
  const tables = document.createNode(Array.from({ length: MANY_TABLES.tables }, (_, i) => manyTable(i + 1)));
  for (const item of tables.items) if (isMap(item)) item.flow = true;
  document.setIn(["capture", "tables"], tables);
  return document.toString({ lineWidth: 0 });
}

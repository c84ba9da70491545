/**
 * The figures and the verdict of `npm run bench` (scripts/bench.ts), apart from the timing so that tests
 * can check the verdict without running a benchmark.
 */

/** Issue 9: a whole `node scripts/synth.cjs` of the demo ≤ 5× `node -e 0` on the same machine, ≤ 150 MB. */
export const TARGETS = { ratio: 5, peakMb: 150 } as const;

export interface Targets {
  readonly ratio: number;
  readonly peakMb: number;
}

export interface BenchFigures {
  /** Median wall time of `node -e 0`, in seconds. */
  readonly floorSeconds: number;
  /** Median wall time of the whole synth process, in seconds. */
  readonly synthSeconds: number;
  /** Largest peak RSS of the synth runs, in MB; undefined when it could not be measured (no GNU time). */
  readonly peakMb: number | undefined;
}

export interface BenchVerdict {
  readonly ok: boolean;
  /** synthSeconds / floorSeconds. */
  readonly ratio: number;
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

/** Met when the ratio of medians and the peak RSS are at or below their targets; anything unmeasured fails. */
export function benchVerdict(figures: BenchFigures, targets: Targets = TARGETS): BenchVerdict {
  const ratio = figures.synthSeconds / figures.floorSeconds;
  const ratioOk = Number.isFinite(ratio) && ratio > 0 && ratio <= targets.ratio;
  const peak = figures.peakMb;
  const peakOk = peak !== undefined && Number.isFinite(peak) && peak <= targets.peakMb;
  const lines = [
    `ratio ${ratio.toFixed(2)}× ${ratioOk ? "within target" : "OVER TARGET"} (≤ ${targets.ratio}×)`,
    peak === undefined
      ? "peak RSS NOT MEASURED (install GNU time: apt-get install time)"
      : `peak RSS ${peak.toFixed(0)} MB ${peakOk ? "within target" : "OVER TARGET"} (≤ ${targets.peakMb} MB)`,
  ];
  return { ok: ratioOk && peakOk, ratio, lines };
}

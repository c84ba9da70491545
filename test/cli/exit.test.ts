import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { exitOnUserError } from "../../src/cli/exit";
import { ConfigError, UserError } from "../../src/errors";

const outdirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs exitOnUserError with process.exit and stderr captured; the outdir holds an earlier synth's output. */
function run(synth: () => void): { code: number | undefined; stderr: string; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), "cdc-lake-exit-"));
  outdirs.push(outdir);
  mkdirSync(join(outdir, "stacks", "other-platform"), { recursive: true });
  writeFileSync(join(outdir, "manifest.json"), "{}");
  let stderr = "";
  let code: number | undefined;
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process, "exit").mockImplementation(((c?: number) => {
    code = c;
    throw new Error("exited");
  }) as never);
  try {
    exitOnUserError(synth, outdir);
  } catch (error) {
    if ((error as Error).message !== "exited") throw error;
  }
  return { code, stderr, outdir };
}

describe("exitOnUserError", () => {
  it("prints a user error as it is, exits 1 and leaves no stacks", () => {
    const r = run(() => {
      throw new ConfigError("x.yaml", ['region: got "mars"; expected an AWS region such as us-east-1']);
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'x.yaml: invalid pipeline configuration\n  region: got "mars"; expected an AWS region such as us-east-1\n',
    );
    expect(existsSync(join(r.outdir, "stacks"))).toBe(false);
    expect(existsSync(join(r.outdir, "manifest.json"))).toBe(false);
  });

  it("says a bug is an internal error, in one line with where to report it, exits 2 and leaves no stacks", () => {
    const r = run(() => {
      mkdirSync(join(r0(), "stacks", "half-written"), { recursive: true });
      throw new TypeError("Cannot read properties of undefined (reading 'arn')\n    at somewhere.js:1:2");
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "internal error: TypeError: Cannot read properties of undefined (reading 'arn') (a bug in cdc-lake, not in your input: report it on the cdc-lake issue tracker, with this line and your config (no secrets in it); CDC_LAKE_DEBUG=1 prints where)\n",
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(r.outdir, "stacks"))).toBe(false);
  });

  it("empties the output folder before a synth, so another environment's stacks cannot survive", () => {
    let sawStacks = true;
    const r = run(() => {
      sawStacks = existsSync(join(r0(), "stacks"));
    });
    expect(r.code).toBeUndefined();
    expect(sawStacks).toBe(false);
  });

  it("treats a plain UserError like a config error", () => {
    const r = run(() => {
      throw new UserError("connectors/x.zip is not a zip file: delete it and run npm run connectors:fetch");
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("connectors/x.zip is not a zip file: delete it and run npm run connectors:fetch\n");
  });
});

/** The outdir of the run in progress (the last one created). */
function r0(): string {
  return outdirs[outdirs.length - 1] as string;
}

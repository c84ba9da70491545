/**
 * Runs `npm run verify`'s command (package.json's scripts.verify, read, not repeated) as a child process,
 * asynchronously: the AWS and S3 stand-ins answer from this process meanwhile.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "../..");

export interface VerifyCliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a run with no real AWS reachable: fake credentials, no instance metadata, no profile. */
export function offlineAwsEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith("AWS_") || key === "PIPELINE_CONFIG") delete env[key];
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "test-secret",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...extra,
  };
}

export function runVerifyCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<VerifyCliRun> {
  const pkg = JSON.parse(readFileSync(resolve(PROJECT_ROOT, "package.json"), "utf8"));
  const [command, script, ...rest] = String(pkg.scripts.verify).trim().split(/\s+/);
  if (command !== "tsx" || !script || rest.length > 0)
    throw new Error(`npm run verify is no plain tsx command: ${pkg.scripts.verify}`);
  return new Promise((done, reject) => {
    const child = spawn(
      resolve(PROJECT_ROOT, "node_modules/.bin/tsx"),
      [resolve(PROJECT_ROOT, script), ...args],
      {
        cwd: options.cwd ?? PROJECT_ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

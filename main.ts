// Entry point of `cdktf synth` / `npm run synth`: read the config and the plugin zips, build the app
// (a pure function of both), synthesize, report.
import { buildPipelineApp } from "./src/app";
import { exitOnUserError } from "./src/cli/exit";
import { guardrailReport } from "./src/cli/guardrail-report";
import { configFileFromEnv, loadConfigFile } from "./src/cli/load-config";
import { connectorsDirFromEnv, loadPlugins } from "./src/cli/load-plugins";
import { collectWarnings } from "./src/cli/warnings";
import { ConfigError, ConfigProblems } from "./src/errors";

const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
exitOnUserError(() => {
  const file = configFileFromEnv();
  try {
    synth(file);
  } catch (error) {
    // Problems found after parsing (an unknown guardrail, a suppression that matches no stack) are the file's.
    throw error instanceof ConfigProblems ? new ConfigError(file, error.problems) : error;
  }
}, outdir);

function synth(file: string): void {
  const config = loadConfigFile(file);
  const plugins = loadPlugins(connectorsDirFromEnv());
  const { app, guardrails } = withoutTokenStackTraces(() => {
    const built = buildPipelineApp(config, plugins, { outdir });
    built.app.synth();
    return built;
  });
  // The cdktf CLI prints annotations itself (as WARN lines); a direct run prints them here.
  if (!process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS) {
    for (const warning of collectWarnings(app)) process.stderr.write(`${warning}\n`);
  }
  // Error findings throw (no stacks are left behind); warnings go to stderr, the summary to stdout.
  const report = guardrailReport(guardrails, config.guardrails.failOn);
  for (const line of report.warnings) process.stderr.write(`${line}\n`);
  for (const line of report.summary) process.stdout.write(`${line}\n`);
}

/**
 * cdktf records where every token was created, as a stack trace of unlimited depth captured and formatted
 * on the spot, for the rare message about a token it cannot resolve: a third of a synth's time and much of
 * its garbage once, and still ~5 % after the formatting was cut to the error's first line. While the app is
 * built and synthesized, nothing captures a trace on request (`Error.captureStackTrace` records none, so
 * cdktf keeps an empty creation stack) and V8 formats any trace as the error's first line only (the public
 * stack-trace API, `Error.prepareStackTrace`). Errors still get their trace when created, both are back
 * before anything is reported, and CDC_LAKE_DEBUG=1 keeps cdktf's traces as well as printing ours.
 */
function withoutTokenStackTraces<T>(run: () => T): T {
  if (process.env.CDC_LAKE_DEBUG === "1") return run();
  const { prepareStackTrace: format, captureStackTrace: capture } = Error;
  Error.prepareStackTrace = (error: Error) => `${error.name}: ${error.message}`;
  Error.captureStackTrace = () => undefined;
  try {
    return run();
  } finally {
    Error.prepareStackTrace = format;
    Error.captureStackTrace = capture;
  }
}

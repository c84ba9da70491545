// Entry point of `cdktf synth` / `npm run synth`: read the config and the plugin zips, build the app
// (a pure function of both), synthesize, report.
import { buildPipelineApp } from "./src/app";
import { exitOnUserError } from "./src/cli/exit";
import { guardrailReport } from "./src/cli/guardrail-report";
import { configFileFromEnv, loadConfigFile } from "./src/cli/load-config";
import { connectorsDirFromEnv, loadPlugins } from "./src/cli/load-plugins";
import { collectWarnings } from "./src/cli/warnings";

const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
exitOnUserError(() => {
  const config = loadConfigFile(configFileFromEnv());
  const plugins = loadPlugins(connectorsDirFromEnv());
  const { app, guardrails } = buildPipelineApp(config, plugins, { outdir });
  app.synth();
  // The cdktf CLI prints annotations itself (as WARN lines); a direct run prints them here.
  if (!process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS) {
    for (const warning of collectWarnings(app)) process.stderr.write(`${warning}\n`);
  }
  // Error findings throw (no stacks are left behind); warnings go to stderr, the summary to stdout.
  const report = guardrailReport(guardrails, config.guardrails.failOn);
  for (const line of report.warnings) process.stderr.write(`${line}\n`);
  for (const line of report.summary) process.stdout.write(`${line}\n`);
}, outdir);

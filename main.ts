// Entry point of `cdktf synth` / `npm run synth`: load config, build the app, synthesize.
import { buildPipelineApp } from "./src/app";
import { exitOnUserError } from "./src/cli/exit";
import { guardrailReport } from "./src/cli/guardrail-report";
import { collectWarnings } from "./src/cli/warnings";
import { configFileFromEnv, loadConfigFile } from "./src/config/load";

exitOnUserError(() => {
  const config = loadConfigFile(configFileFromEnv());
  const { app, guardrails } = buildPipelineApp(config);
  app.synth();
  // The cdktf CLI prints annotations itself (as WARN lines); a direct run prints them here.
  if (!process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS) {
    for (const warning of collectWarnings(app)) process.stderr.write(`${warning}\n`);
  }
  // Error findings throw (no stacks are left behind); warnings go to stderr, the summary to stdout.
  const report = guardrailReport(guardrails, config.guardrails.failOn);
  for (const line of report.warnings) process.stderr.write(`${line}\n`);
  for (const line of report.summary) process.stdout.write(`${line}\n`);
});

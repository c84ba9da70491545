// Entry point of `cdktf synth` / `npm run synth`: load config, build the app, synthesize.
import "./src/cli/fast-start";
import { buildPipelineApp } from "./src/app";
import { exitOnUserError } from "./src/cli/exit";
import { configFileFromEnv, loadConfigFile } from "./src/config/load";

exitOnUserError(() => {
  const config = loadConfigFile(configFileFromEnv());
  buildPipelineApp(config).app.synth();
});

// Imported first by main.ts, to keep a synth near the floor of "tsx start + imports" (npm run bench).
import { readFileSync } from "node:fs";

import Module = require("node:module");

// tsx turns on source-map support, and Node then decodes the inline source maps of every module it
// loads: cdktf and the provider bindings carry megabytes of them (~0.1 s, ~30 MB per synth). Our own
// stack traces only matter for bugs, where transpiled line numbers are close enough.
process.setSourceMapsEnabled(false);

// tsx also lexes every .js file it loads to tell ESM from CommonJS (~0.1 s over the provider
// bindings). These packages are plain CommonJS, so their files go straight to Node's own compiler.
const COMMONJS_PACKAGES =
  /\/node_modules\/(cdktf|constructs|@cdktf\/provider-aws|@cdktf\/provider-postgresql|yaml)\//;
type Loader = (module: NodeJS.Module & { _compile(code: string, file: string): void }, file: string) => void;
const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
const tsxLoader = extensions[".js"];
if (tsxLoader) {
  extensions[".js"] = (module, file) =>
    COMMONJS_PACKAGES.test(file)
      ? module._compile(readFileSync(file, "utf8"), file)
      : tsxLoader(module, file);
}

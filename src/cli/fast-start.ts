// Imported first by main.ts. tsx turns on source-map support, and Node then decodes the inline source
// map of every module it loads: cdktf and the provider bindings carry megabytes of them (~40 ms per
// synth). Our own stack traces only matter for bugs, where transpiled line numbers are close enough.
process.setSourceMapsEnabled(false);

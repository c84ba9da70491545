"use strict";
/**
 * Stands in for `child_process` in the synth bundle (scripts/synth.cjs, esbuild's `alias`): Node's module,
 * loaded the first time one of its functions is read. cdktf requires it when it loads, for what a synth
 * never runs (checking a terraform binary's version, its test matchers); loading it, and net, dgram and
 * stream with it, took ~8 ms of every synth.
 */
let childProcess;
module.exports = new Proxy(
  {},
  {
    get(_, key) {
      childProcess ??= require("node:child_process");
      return childProcess[key];
    },
  },
);

"use strict";
/**
 * Stands in for the `archiver` package in the synth bundle (scripts/synth.cjs, esbuild's `alias`). cdktf
 * loads archiver, and through it readable-stream, glob, lodash, async and more (about 450 KB of the
 * bundle), only to zip a TerraformAsset folder (AssetType.ARCHIVE). The pipeline has no TerraformAsset:
 * every synth paid ~20 ms to load code it never ran. Should an asset ever need it, this says so.
 */
module.exports = function archiverLeftOut() {
  throw new Error(
    "archiver is left out of the synth bundle (scripts/archiver-left-out.cjs): remove the alias in scripts/synth.cjs to zip a TerraformAsset folder",
  );
};

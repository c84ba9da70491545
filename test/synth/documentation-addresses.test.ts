/**
 * An operator address from a documentation network (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24) admits nobody: synth warns in one line, with how to find your own address.
 * (The line as `npm run synth` prints it for the demo: test/cli/invalid-config.test.ts.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPipelineApp } from "../../src/app";
import { loadPlugins } from "../../src/cli/load-plugins";
import { collectWarnings } from "../../src/cli/warnings";
import type { PipelineConfig } from "../../src/config/pipeline-config";
import { demoWith } from "../support/synth";

const root = mkdtempSync(join(tmpdir(), "cdc-lake-doc-addresses-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The platform stack's warnings for a demo variant. */
function platformWarnings(config: PipelineConfig): string[] {
  const { app } = buildPipelineApp(config, loadPlugins(join(root, "none")), {
    outdir: mkdtempSync(join(root, "out-")),
  });
  return collectWarnings(app).filter((w) => w.endsWith("[demo-platform]"));
}
const withCidrs = (allowedCidrs: string[]) => demoWith((d) => (d.database.allowedCidrs = allowedCidrs));

describe("operator addresses from documentation networks", () => {
  it.each([
    ["192.0.2.0/24", "192.0.2.7/32"],
    ["198.51.100.0/24", "198.51.100.128/25"],
    ["203.0.113.0/24", "203.0.113.0/24"],
  ])("warn for an address inside %s (%s), in one line", (_network, cidr) => {
    expect(platformWarnings(withCidrs([cidr]))).toEqual([
      `warning: database.allowedCidrs: ${cidr} is a documentation address (RFC 5737), not yours: the database stack will time out reaching PostgreSQL until you replace it with your address (curl ifconfig.io)/32 [demo-platform]`,
    ]);
  });

  it("name every documentation entry in the same one line, and only those", () => {
    expect(platformWarnings(withCidrs(["198.51.100.1/32", "8.8.8.8/32", "192.0.2.1/32"]))).toEqual([
      "warning: database.allowedCidrs: 198.51.100.1/32, 192.0.2.1/32 are documentation addresses (RFC 5737), not yours: the database stack will time out reaching PostgreSQL until you replace it with your address (curl ifconfig.io)/32 [demo-platform]",
    ]);
  });

  it("do not warn for real addresses, nor for blocks that merely contain a documentation network", () => {
    expect(platformWarnings(withCidrs(["8.8.8.8/32", "203.0.112.0/23", "198.51.101.0/24"]))).toEqual([]);
  });

  it("warn for operator networks too", () => {
    const config = demoWith((d) => {
      d.database.allowedCidrs = ["8.8.8.8/32"];
      d.network.operatorAccess = { cidrs: ["192.0.2.0/28"] };
    });
    expect(platformWarnings(config)).toEqual([
      "warning: network.operatorAccess.cidrs: 192.0.2.0/28 is a documentation address (RFC 5737): nobody connects from there; replace it with your operators' network [demo-platform]",
    ]);
  });
});

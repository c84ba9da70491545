import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { synthesize } from "../support/synth";
import { StackWorkdir, withoutPostgresqlProvider } from "../support/terraform";
import { describeWithTerraform } from "../support/tier";

/**
 * config/examples/multi-source.yaml against Terraform: the managed source and two existing databases. The
 * platform stack plans offline (the rules admitting the connectors into an existing group and network);
 * the database stack validates without the postgresql provider's resources (no binary here), with every
 * source's ephemeral admin secret and psql steps; the connectors stack validates with three Debezium
 * connectors and one sink.
 */
describeWithTerraform("terraform: a managed source and two existing databases", (tier) => {
  const synthesized = synthesize(loadConfigFile("config/examples/multi-source.yaml"));
  const workdirs: StackWorkdir[] = [];
  const workdir = (stack: string) => {
    const dir = new StackWorkdir(tier, synthesized.stackDir(stack));
    workdirs.push(dir);
    return dir;
  };
  let platform: StackWorkdir;
  let database: StackWorkdir;
  let connectors: StackWorkdir;

  beforeAll(() => {
    platform = workdir("prod-platform");
    platform.initWithoutBackend();
    database = workdir("prod-database");
    const file = join(database.dir, "cdk.tf.json");
    writeFileSync(
      file,
      JSON.stringify(withoutPostgresqlProvider(JSON.parse(readFileSync(file, "utf8"))).json),
    );
    database.initWithoutBackend();
    connectors = workdir("prod-connectors");
    connectors.initWithoutBackend();
  });
  afterAll(() => {
    for (const dir of workdirs) dir.cleanup();
    synthesized.cleanup();
  });

  it("plans the platform offline, with the connectors admitted into the existing group and sent to the network", () => {
    expect(platform.ok("validate")).toContain("The configuration is valid.");
    platform.prepareOfflinePlan("eu-west-1");
    const plan = platform.offlinePlanJson();
    const rules = (
      plan.planned_values.root_module.resources as { type: string; values: Record<string, any> }[]
    )
      .filter(
        (r) => r.type.startsWith("aws_vpc_security_group_") && /source/.test(r.values.description ?? ""),
      )
      .map((r) => ({
        type: r.type,
        group: r.values.security_group_id ?? "(the connectors' group)",
        peer: r.values.cidr_ipv4 ?? r.values.referenced_security_group_id ?? "(the connectors' group)",
        port: r.values.from_port,
      }))
      .sort((a, b) => `${a.type}${a.port}`.localeCompare(`${b.type}${b.port}`));
    expect(rules).toEqual([
      {
        type: "aws_vpc_security_group_egress_rule",
        group: "(the connectors' group)",
        peer: "sg-0123456789abcdef0",
        port: 5432,
      },
      {
        type: "aws_vpc_security_group_egress_rule",
        group: "(the connectors' group)",
        peer: "10.50.0.0/24",
        port: 5433,
      },
      {
        type: "aws_vpc_security_group_ingress_rule",
        group: "sg-0123456789abcdef0",
        peer: "(the connectors' group)",
        port: 5432,
      },
    ]);
  });

  it("validates the database stack: three admin secrets, two CDC checks, three capture steps", () => {
    expect(database.ok("validate")).toContain("The configuration is valid.");
  });

  it("validates the connectors stack: three Debezium connectors and one sink", () => {
    expect(connectors.ok("validate")).toContain("The configuration is valid.");
  });
});

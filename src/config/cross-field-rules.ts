/**
 * Rules that relate fields of different sections (a section's own rules live in its file). Zod runs
 * them once every field has the right type; fields may still have failed a format check.
 */
import type { z } from "zod";
import { cidrContains, cidrsOverlap, parseCidr } from "./cidr";
import { addProblem, NAME_PART_PATTERN } from "./fields";
import { Naming } from "./naming";
import { pgPublicationName, pgRoleName, pgSlotName } from "./postgres-names";
import { availabilityZonesOf, defaultSubnetCidrs } from "./resolve";
import type { ConfigFile } from "./schema";

export function checkCrossFieldRules(c: ConfigFile, ctx: z.RefinementCtx): void {
  const problem = (path: (string | number)[], message: string) => addProblem(ctx, path, message);

  // Physical names: within every service's limits, once project and environment are valid names
  // (zod runs this rule after format problems, which do not abort parsing).
  const naming = new Naming(c.project, c.environment);
  const namesValid = NAME_PART_PATTERN.test(c.project) && NAME_PART_PATTERN.test(c.environment);
  const nameProblem = namesValid ? (naming.lengthProblem() ?? naming.characterProblem()) : undefined;
  if (nameProblem) {
    problem(["project"], `got "${c.project}" with environment "${c.environment}": ${nameProblem}`);
  }

  // Network: AZs belong to the region; subnets lie in the VPC, one per AZ, without overlap.
  const zones = availabilityZonesOf(c);
  zones.forEach((zone, i) => {
    if (!new RegExp(`^${c.region}[a-z]$`).test(zone)) {
      problem(
        ["network", "availabilityZones", i],
        `got "${zone}"; expected a zone of ${c.region} such as ${c.region}a`,
      );
    } else if (zones.indexOf(zone) !== i) {
      problem(["network", "availabilityZones", i], `got "${zone}" twice; expected distinct zones`);
    }
  });
  const vpc = parseCidr(c.network.vpcCidr);
  const checkSubnets = (
    field: "publicSubnetCidrs" | "privateSubnetCidrs",
    given: string[] | undefined,
    others: string[],
  ) => {
    if (!given) return;
    if (given.length !== zones.length) {
      problem(
        ["network", field],
        `got ${given.length} subnets; expected one per availability zone (${zones.length})`,
      );
    }
    given.forEach((text, i) => {
      const subnet = parseCidr(text);
      if (!subnet || !vpc) return;
      if (!cidrContains(vpc, subnet)) {
        problem(["network", field, i], `got "${text}"; expected a block inside vpcCidr ${c.network.vpcCidr}`);
      }
      const before = [...others, ...given.slice(0, i)];
      const clash = before.find((other) => cidrsOverlap(subnet, parseCidr(other) ?? subnet));
      if (clash) {
        problem(["network", field, i], `got "${text}", which overlaps "${clash}"; expected disjoint subnets`);
      }
    });
  };
  checkSubnets("publicSubnetCidrs", c.network.publicSubnetCidrs, []);
  if (c.network.workloadSubnets === "private") {
    const publics = c.network.publicSubnetCidrs ?? defaultSubnetCidrs(c.network.vpcCidr, zones.length);
    checkSubnets("privateSubnetCidrs", c.network.privateSubnetCidrs, publics);
    if (
      !c.network.privateSubnetCidrs &&
      defaultSubnetCidrs(c.network.vpcCidr, zones.length, 10).length === 0
    ) {
      problem(
        ["network", "privateSubnetCidrs"],
        `got nothing, and vpcCidr ${c.network.vpcCidr} has no room for derived ones; expected one CIDR per availability zone`,
      );
    }
  }

  if (c.database.publiclyAccessible && c.network.workloadSubnets !== "public") {
    problem(
      ["database", "publiclyAccessible"],
      'got true with network.workloadSubnets "private"; expected network.workloadSubnets: public (a public RDS needs a route to the internet), or publiclyAccessible: false',
    );
  }

  // Streaming: MSK places the same number of brokers in each AZ.
  if (c.streaming.brokerCount % zones.length !== 0) {
    problem(
      ["streaming", "brokerCount"],
      `got ${c.streaming.brokerCount}; expected a multiple of the ${zones.length} availability zones`,
    );
  }

  // Derived PostgreSQL names must be names PostgreSQL accepts (a project "pg" would derive "pg_<env>_cdc").
  if (namesValid) {
    const derived = [
      ["cdcRoleName", c.capture.cdcRoleName, naming.defaultCdcRole(), pgRoleName()],
      ["publicationName", c.capture.publicationName, naming.defaultPublication(), pgPublicationName()],
      ["slotName", c.capture.slotName, naming.defaultReplicationSlot(), pgSlotName()],
    ] as const;
    for (const [field, configured, name, rule] of derived) {
      const result = configured === undefined ? rule.safeParse(name) : undefined;
      if (result && !result.success) {
        problem(
          ["capture", field],
          `got nothing, and the name derived from project and environment, "${name}", is refused: ${result.error.issues[0]?.message}; set capture.${field}`,
        );
      }
    }
  }

  const cdcRole = c.capture.cdcRoleName ?? naming.defaultCdcRole();
  if (cdcRole === c.database.masterUsername) {
    problem(
      ["capture", "cdcRoleName"],
      `got "${cdcRole}", the master user; expected a dedicated role for Debezium`,
    );
  }
}

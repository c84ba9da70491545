/**
 * Rules that relate fields of different sections (a section's own rules live in its file). Zod runs
 * them once every field has the right type; fields may still have failed a format check.
 */
import type { z } from "zod";
import { cidrContains, cidrsOverlap, parseCidr } from "./cidr";
import {
  AWS_REGIONS,
  addProblem,
  availabilityZoneIdPrefix,
  MSK_UNSUPPORTED_ZONE_IDS,
  NAME_PART_PATTERN,
} from "./fields";
import { Naming } from "./naming";
import { PG_NAME_MAX_LENGTH, pgPublicationName, pgRoleName, pgSlotName } from "./postgres-names";
import { availabilityZonesOf, defaultSubnetCidrs } from "./resolve";
import type { ConfigFile } from "./schema";
import { ConnectorsSchema } from "./sections/connectors";

/** Kafka's longest topic name (the log directory `<topic>-<partition>` must fit a 255-byte file name). */
export const KAFKA_TOPIC_MAX_LENGTH = 249;

/**
 * The problem with the change topic of `table` (`<topicPrefix>.<schema>.<table>`, kafka-connect/topics.ts),
 * in Kafka's words, or undefined when Kafka accepts its name.
 * @see https://kafka.apache.org/documentation/#topicconfigs (Topic.MAX_NAME_LENGTH)
 */
export function changeTopicNameProblem(
  topicPrefix: string,
  table: { schema: string; table: string },
): string | undefined {
  // The topic's name as changeTopic() builds it; not imported: the config model is a leaf.
  const topic = `${topicPrefix}.${table.schema}.${table.table}`;
  if (topic.length <= KAFKA_TOPIC_MAX_LENGTH) return undefined;
  return (
    `got ${table.schema}.${table.table}, whose change topic "${topic}" would be ${topic.length} characters; ` +
    `expected at most ${KAFKA_TOPIC_MAX_LENGTH} (Kafka's limit on a topic name <topicPrefix>.<schema>.<table>): ` +
    `shorten connectors.topicPrefix ("${topicPrefix}", ${topicPrefix.length} characters) or the names`
  );
}

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

  // Network: AZs belong to the region, once each, and MSK accepts them; subnets lie in the VPC, one per AZ,
  // without overlap.
  const zones = availabilityZonesOf(c);
  const regionValid = (AWS_REGIONS as readonly string[]).includes(c.region);
  if (c.network.availabilityZoneIds && c.network.availabilityZones) {
    problem(
      ["network", "availabilityZones"],
      "got both availabilityZones and availabilityZoneIds; expected one: availabilityZoneIds (names differ per account), with previousAvailabilityZones for the names a deployed pipeline used",
    );
  }
  const checkNames = (field: "availabilityZones" | "previousAvailabilityZones", names: string[]) => {
    names.forEach((zone, i) => {
      if (!new RegExp(`^${c.region}[a-z]$`).test(zone)) {
        problem(["network", field, i], `got "${zone}"; expected a zone of ${c.region} such as ${c.region}a`);
      } else if (names.indexOf(zone) !== i) {
        problem(["network", field, i], `got "${zone}" twice; expected distinct zones`);
      }
    });
  };
  checkNames("availabilityZones", c.network.availabilityZones ?? []);
  const ids = c.network.availabilityZoneIds ?? [];
  const idPrefix = availabilityZoneIdPrefix(c.region);
  ids.forEach((id, i) => {
    if (regionValid && idPrefix && !new RegExp(`^${idPrefix}-az\\d{1,2}$`).test(id)) {
      problem(
        ["network", "availabilityZoneIds", i],
        `got "${id}"; expected a zone ID of ${c.region} such as ${idPrefix}-az1 (aws ec2 describe-availability-zones lists them)`,
      );
    } else if (ids.indexOf(id) !== i) {
      problem(["network", "availabilityZoneIds", i], `got "${id}" twice; expected distinct zones`);
    } else if (MSK_UNSUPPORTED_ZONE_IDS[id]) {
      problem(
        ["network", "availabilityZoneIds", i],
        `got "${id}"; expected a zone Amazon MSK supports (${MSK_UNSUPPORTED_ZONE_IDS[id]}): choose another zone ID of ${c.region}`,
      );
    }
  });
  const previous = c.network.previousAvailabilityZones;
  if (previous) {
    if (!c.network.availabilityZoneIds) {
      problem(
        ["network", "previousAvailabilityZones"],
        "got names without availabilityZoneIds; expected availabilityZoneIds, the IDs of these zones in the same order",
      );
    } else if (previous.length !== ids.length) {
      problem(
        ["network", "previousAvailabilityZones"],
        `got ${previous.length} names; expected one per zone ID (${ids.length}), in the order of availabilityZoneIds`,
      );
    }
    checkNames("previousAvailabilityZones", previous);
  }
  // "For Standard brokers in the US West (N. California) Region, you need two subnets in two different
  // Availability Zones." https://docs.aws.amazon.com/msk/latest/developerguide/msk-create-cluster.html
  if (c.region === "us-west-1" && zones.length !== 2) {
    problem(
      ["network", c.network.availabilityZoneIds ? "availabilityZoneIds" : "availabilityZones"],
      `got ${zones.length} zones in us-west-1; expected 2: MSK places brokers in exactly two zones in US West (N. California)`,
    );
  }
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

  // Kafka topics: each captured table's change topic has a name Kafka accepts, once its parts are within
  // their own limits (a part over its limit has its own problem; zod runs this rule after format problems).
  const topicPrefix = c.connectors.topicPrefix ?? naming.defaultTopicPrefix();
  const withinOwnLimit = (name: string) => name.length <= PG_NAME_MAX_LENGTH;
  const prefixValid = ConnectorsSchema.unwrap().shape.topicPrefix.safeParse(c.connectors.topicPrefix).success;
  c.capture.tables.forEach((table, i) => {
    // A derived prefix is judged once project and environment are valid (they have their own messages).
    const prefixKnown = c.connectors.topicPrefix !== undefined ? prefixValid : namesValid;
    if (!prefixKnown || !withinOwnLimit(table.schema) || !withinOwnLimit(table.table)) return;
    const topicProblem = changeTopicNameProblem(topicPrefix, table);
    if (topicProblem) problem(["capture", "tables", i], topicProblem);
  });

  // The connectors' IAM grants cover `<topicPrefix>.*`: Debezium's offsets topic must stay outside it.
  const offsets = naming.debeziumOffsetTopic();
  if (
    namesValid &&
    c.connectors.topicPrefix !== undefined &&
    offsets.startsWith(`${c.connectors.topicPrefix}.`)
  ) {
    problem(
      ["connectors", "topicPrefix"],
      `got "${c.connectors.topicPrefix}"; expected a prefix other than Debezium's connector name: the sink may read <topicPrefix>.*, which would include Debezium's offsets topic ${offsets}`,
    );
  }

  const cdcRole = c.capture.cdcRoleName ?? naming.defaultCdcRole();
  if (cdcRole === c.database.masterUsername) {
    problem(
      ["capture", "cdcRoleName"],
      `got "${cdcRole}", the master user; expected a dedicated role for Debezium`,
    );
  }
}

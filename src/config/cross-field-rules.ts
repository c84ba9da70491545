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
import { availabilityZonesOf, defaultSubnetCidrs, sourcesOf } from "./resolve";
import type { ConfigFile } from "./schema";
import { CaptureSchema } from "./sections/capture";
import { SECRET_ARN_PATTERN } from "./sections/sources";

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
    `shorten the topic prefix ("${topicPrefix}", ${topicPrefix.length} characters) or the names`
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

  if (c.database?.publiclyAccessible && c.network.workloadSubnets !== "public") {
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

  checkSources(c, ctx, naming, namesValid);
}

/**
 * Where a source's settings are in the file (its capture section as written, too), and how a message names
 * it: `index` is the source's place in `sourcesOf(c)`, the managed source (when there is one) first, then
 * `c.sources` in order.
 */
function sourcePlace(
  c: ConfigFile,
  name: string | undefined,
  index: number,
): { path: (string | number)[]; label: string; admin: string; configured: ConfigFile["capture"] } {
  if (name === undefined) {
    return {
      path: ["capture"],
      label: "the managed source (capture)",
      admin: "the master user",
      configured: c.capture,
    };
  }
  const i = index - (c.capture && c.database ? 1 : 0);
  return {
    path: ["sources", i, "capture"],
    label: `source "${name}"`,
    admin: `the admin login of source "${name}"`,
    configured: c.sources[i]?.capture,
  };
}

/**
 * Sources: the managed one has its instance, there is at least one, and each source's derived names,
 * topics and PostgreSQL objects stay apart from every other's (roles and slots belong to a whole server;
 * the connectors' IAM grants cover `<topicPrefix>.*`).
 */
function checkSources(c: ConfigFile, ctx: z.RefinementCtx, naming: Naming, namesValid: boolean): void {
  const problem = (path: (string | number)[], message: string) => addProblem(ctx, path, message);
  if (c.capture && !c.database) {
    problem(
      ["database"],
      "got nothing while capture is set; expected the RDS instance the pipeline creates for it (database.databaseName at least), or move capture under sources[] for an existing database",
    );
  }
  if (c.database && !c.capture) {
    problem(
      ["capture"],
      "got nothing while database is set; expected the tables to capture from that instance (capture.tables), or no database section when every source is an existing database (sources)",
    );
  }
  if (!c.capture && !c.database && c.sources.length === 0) {
    problem(
      ["sources"],
      "got no source; expected capture (with database) for the RDS instance the pipeline creates, or sources for existing databases",
    );
  }
  c.sources.forEach((s, i) => {
    if (c.sources.findIndex((o) => o.name === s.name) !== i) {
      problem(["sources", i, "name"], `got "${s.name}" twice; expected a distinct name per source`);
    } else if (namesValid && NAME_PART_PATTERN.test(s.name)) {
      const nameProblem = naming.lengthProblem(s.name) ?? naming.characterProblem(s.name);
      if (nameProblem) problem(["sources", i, "name"], `got "${s.name}": ${nameProblem}`);
    }
    const same = c.sources.findIndex(
      (o) =>
        o.endpoint.toLowerCase() === s.endpoint.toLowerCase() &&
        o.port === s.port &&
        o.database === s.database,
    );
    if (same !== i) {
      problem(
        ["sources", i, "database"],
        `got ${s.endpoint}:${s.port}/${s.database}, already sources[${same}]; expected each database once (one source captures all its tables)`,
      );
    }
    const region = SECRET_ARN_PATTERN.exec(s.adminSecretArn)?.[2];
    if (region !== undefined && region !== c.region) {
      problem(
        ["sources", i, "adminSecretArn"],
        `got a secret in ${region}; expected one in the pipeline's region ${c.region} (the database stack reads it there): replicate the secret to ${c.region}`,
      );
    }
  });

  const sources = sourcesOf(c, naming);
  const prefixRule = CaptureSchema.shape.topicPrefix;
  const withinOwnLimit = (name: string) => name.length <= PG_NAME_MAX_LENGTH;
  // A derived name is judged once project, environment and the source's name are valid (they have their own messages).
  const derivedKnown = (name: string | undefined) =>
    namesValid && (name === undefined || NAME_PART_PATTERN.test(name));
  const offsetsTopics = sources.map((s) => naming.debeziumOffsetTopic(s.name));

  sources.forEach((source, index) => {
    const { path, admin, configured } = sourcePlace(c, source.name, index);
    const capture = source.capture;

    // Derived PostgreSQL names must be names PostgreSQL accepts (a project "pg" would derive "pg_<env>_cdc").
    if (derivedKnown(source.name)) {
      const derived = [
        ["cdcRoleName", configured?.cdcRoleName, capture.cdcRoleName, pgRoleName()],
        ["publicationName", configured?.publicationName, capture.publicationName, pgPublicationName()],
        ["slotName", configured?.slotName, capture.slotName, pgSlotName()],
      ] as const;
      for (const [field, given, name, rule] of derived) {
        const result = given === undefined ? rule.safeParse(name) : undefined;
        if (result && !result.success) {
          problem(
            [...path, field],
            `got nothing, and the name derived from project and environment, "${name}", is refused: ${result.error.issues[0]?.message}; set ${[...path, field].join(".")}`,
          );
        }
      }
    }

    // Kafka topics: each captured table's change topic has a name Kafka accepts, once its parts are within
    // their own limits (a part over its limit has its own problem; zod runs this rule after format problems).
    const prefixKnown =
      configured?.topicPrefix !== undefined
        ? prefixRule.safeParse(configured.topicPrefix).success
        : derivedKnown(source.name);
    capture.tables.forEach((table, i) => {
      if (!prefixKnown || !withinOwnLimit(table.schema) || !withinOwnLimit(table.table)) return;
      const topicProblem = changeTopicNameProblem(capture.topicPrefix, table);
      if (topicProblem) problem([...path, "tables", i], topicProblem);
    });
    if (!prefixKnown) return;

    // The connectors' IAM grants cover `<topicPrefix>.*`: no Debezium offsets topic may fall inside it,
    // and no other source's topics either.
    const offsets = offsetsTopics.find((topic) => topic.startsWith(`${capture.topicPrefix}.`));
    if (namesValid && offsets) {
      problem(
        [...path, "topicPrefix"],
        `got "${capture.topicPrefix}"; expected a prefix other than a Debezium connector's name: the connectors may read <topicPrefix>.*, which would include Debezium's offsets topic ${offsets}`,
      );
    }
    sources.slice(0, index).forEach((other, otherIndex) => {
      const a = capture.topicPrefix;
      const b = other.capture.topicPrefix;
      if (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)) {
        problem(
          [...path, "topicPrefix"],
          `got "${a}" beside "${b}" of ${sourcePlace(c, other.name, otherIndex).label}; expected topic prefixes that do not nest: each connector may write and read only <its prefix>.*`,
        );
      }
      for (const field of ["cdcRoleName", "slotName"] as const) {
        if (capture[field] === other.capture[field]) {
          problem(
            [...path, field],
            `got "${capture[field]}", as ${sourcePlace(c, other.name, otherIndex).label} has; expected one per source (roles and replication slots belong to a whole server)`,
          );
        }
      }
    });

    if (capture.cdcRoleName === source.adminUsername) {
      problem(
        [...path, "cdcRoleName"],
        `got "${capture.cdcRoleName}", ${admin}; expected a dedicated role for Debezium`,
      );
    }
  });
}

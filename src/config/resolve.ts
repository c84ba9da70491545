/**
 * Resolution: the checked file becomes a `PipelineConfig`, with every derived value filled in (zones,
 * subnets, PostgreSQL names, replication factor). Pure; defaults themselves live in the sections.
 */
import { cidrSubnet, formatCidr, parseCidr } from "./cidr";
import { Naming } from "./naming";
import type {
  AvailabilityZone,
  CaptureConfig,
  PipelineConfig,
  SourceConfig,
  SubnetConfig,
} from "./pipeline-config";
import type { ConfigFile } from "./schema";
import { engineMajor, walCapMiB } from "./sections/database";

/**
 * The zones, as configured: by ID (with the names they replace, if any), else by name, else `<region>a`,
 * `b`, `c` by name (the default before zone IDs existed here: a config relying on it keeps its subnets).
 */
export function availabilityZonesOf(c: Pick<ConfigFile, "region" | "network">): AvailabilityZone[] {
  const {
    availabilityZoneIds: ids,
    availabilityZones: names,
    previousAvailabilityZones: previous,
  } = c.network;
  if (ids) return ids.map((id, i) => (previous?.[i] ? { id, previousName: previous[i] } : { id }));
  return (names ?? ["a", "b", "c"].map((suffix) => `${c.region}${suffix}`)).map((name) => ({ name }));
}

/** Subnets are /24 in a /16 (8 new bits), never smaller than /28: AWS's subnet floor. */
export function defaultSubnetCidrs(vpcCidr: string, count: number, firstIndex = 0): string[] {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) return [];
  const newBits = Math.min(Math.max(24 - vpc.prefixLength, 2), 28 - vpc.prefixLength);
  // Private subnets start at index 10 when the VPC has room (10.0.10.0/24…), else right after the public ones.
  const start = firstIndex === 0 ? 0 : 2 ** newBits >= firstIndex + count ? firstIndex : count;
  if (start + count > 2 ** newBits) return [];
  return Array.from({ length: count }, (_, i) => formatCidr(cidrSubnet(vpc, newBits, start + i)));
}

export function resolveConfig(c: ConfigFile): PipelineConfig {
  const naming = new Naming(c.project, c.environment);
  const zones = availabilityZonesOf(c);
  const subnets = (cidrs: readonly string[]): SubnetConfig[] =>
    zones.map((zone, i) => ({ zone, cidr: cidrs[i] as string }));
  const publicCidrs = c.network.publicSubnetCidrs ?? defaultSubnetCidrs(c.network.vpcCidr, zones.length);
  const privateCidrs =
    c.network.privateSubnetCidrs ?? defaultSubnetCidrs(c.network.vpcCidr, zones.length, 10);
  const db = c.database;
  const replicationFactor = Math.min(3, c.streaming.brokerCount);
  const {
    publicSubnetCidrs: _public,
    privateSubnetCidrs: _private,
    availabilityZoneIds: _ids,
    previousAvailabilityZones: _previous,
    ...network
  } = c.network;
  return {
    project: c.project,
    environment: c.environment,
    region: c.region,
    tags: c.tags,
    state: c.state.backend === "s3" ? { ...c.state, region: c.state.region ?? c.region } : c.state,
    network: {
      ...network,
      availabilityZones: zones,
      publicSubnets: subnets(publicCidrs),
      privateSubnets: c.network.workloadSubnets === "private" ? subnets(privateCidrs) : [],
    },
    database: db && {
      ...db,
      engineMajor: engineMajor(db.engineVersion),
      parameterGroupFamily: `postgres${engineMajor(db.engineVersion)}`,
      maxSlotWalKeepSizeMiB: walCapMiB(db),
    },
    streaming: {
      ...c.streaming,
      defaultReplicationFactor: replicationFactor,
      minInsyncReplicas: Math.max(1, replicationFactor - 1),
    },
    storage: c.storage,
    encryption: c.encryption,
    alerts: {
      snsTopicArn: c.alerts.snsTopicArn,
      subscriptions: [
        ...c.alerts.emails.map((endpoint) => ({ protocol: "email" as const, endpoint })),
        ...c.alerts.subscriptions,
      ],
    },
    logs: c.logs,
    connectors: c.connectors,
    sources: sourcesOf(c, naming),
    query: c.query,
    guardrails: c.guardrails,
  };
}

type CaptureFile = NonNullable<ConfigFile["capture"]>;

/** A source's capture with its derived names: `source` is undefined for the managed one. */
function captureOf(
  capture: CaptureFile,
  naming: Naming,
  adminUsername: string,
  source?: string,
): CaptureConfig {
  return {
    ...capture,
    topicPrefix: capture.topicPrefix ?? naming.defaultTopicPrefix(source),
    cdcRoleName: capture.cdcRoleName ?? naming.defaultCdcRole(source),
    publicationName: capture.publicationName ?? naming.defaultPublication(source),
    slotName: capture.slotName ?? naming.defaultReplicationSlot(source),
    tableOwner: capture.tableOwner ?? adminUsername,
  };
}

/** The managed source (the RDS instance of `database` with `capture`), when configured, then `sources`. */
export function sourcesOf(
  c: Pick<ConfigFile, "database" | "capture" | "sources">,
  naming: Naming,
): SourceConfig[] {
  const managed: SourceConfig[] =
    c.capture && c.database
      ? [
          {
            server: { kind: "managed" },
            databaseName: c.database.databaseName,
            adminUsername: c.database.masterUsername,
            connectThrough: c.database.connectThrough,
            capture: captureOf(c.capture, naming, c.database.masterUsername),
          },
        ]
      : [];
  const existing = c.sources.map(
    (s): SourceConfig => ({
      name: s.name,
      server: {
        kind: "existing",
        engine: s.engine,
        endpoint: s.endpoint,
        port: s.port,
        adminSecretArn: s.adminSecretArn,
        // The schema lets exactly one through.
        connectorsReach: s.connectorsReach.securityGroupId
          ? { securityGroupId: s.connectorsReach.securityGroupId }
          : { cidr: s.connectorsReach.cidr ?? "" },
      },
      databaseName: s.database,
      adminUsername: s.adminUsername,
      connectThrough: s.connectThrough,
      capture: captureOf(s.capture, naming, s.adminUsername, s.name),
    }),
  );
  return [...managed, ...existing];
}

/**
 * Resolution: the checked file becomes a `PipelineConfig`, with every derived value filled in (zones,
 * subnets, PostgreSQL names, replication factor). Pure; defaults themselves live in the sections.
 */
import { cidrSubnet, formatCidr, parseCidr } from "./cidr";
import { Naming } from "./naming";
import type { AvailabilityZone, PipelineConfig, SubnetConfig } from "./pipeline-config";
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
  const major = engineMajor(c.database.engineVersion);
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
    database: {
      ...c.database,
      engineMajor: major,
      parameterGroupFamily: `postgres${major}`,
      maxSlotWalKeepSizeMiB: walCapMiB(c.database),
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
    connectors: { ...c.connectors, topicPrefix: c.connectors.topicPrefix ?? naming.defaultTopicPrefix() },
    capture: {
      ...c.capture,
      cdcRoleName: c.capture.cdcRoleName ?? naming.defaultCdcRole(),
      publicationName: c.capture.publicationName ?? naming.defaultPublication(),
      slotName: c.capture.slotName ?? naming.defaultReplicationSlot(),
      tableOwner: c.capture.tableOwner ?? c.database.masterUsername,
    },
    guardrails: c.guardrails,
  };
}

/**
 * network.operatorAccess, the one declared way in to a private pipeline: one source (the operators' group,
 * or an operator network) reaches PostgreSQL's port and every interface endpoint's 443 in the synthesized
 * JSON, with both sides of a group-to-group path open; without the declaration nothing changes.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfigFile } from "../../src/cli/load-config";
import { parseConfig } from "../../src/config/parse";
import { byPath, demoWith, refTo, type Synthesized, synthesize, type TerraformJson } from "../support/synth";

const made: Synthesized[] = [];
afterAll(() => {
  for (const s of made) s.cleanup();
});
function platformOf(config: ReturnType<typeof loadConfigFile>): TerraformJson {
  const s = synthesize(config);
  made.push(s);
  return s.stacks[`${config.environment}-platform`] ?? {};
}
function productionWith(change: (d: Record<string, any>) => void) {
  const data = parse(readFileSync("config/production.yaml", "utf8"));
  change(data);
  return parseConfig(data, "production variant");
}

type Source = { group: string } | { cidr: string };

/**
 * Whether `source` can open a TCP connection to `port` on members of the group `target` (a `${…id}`
 * reference): an ingress rule of the target admits it and, for a group, an egress rule of the group lets it out.
 */
function reaches(stack: TerraformJson, source: Source, target: string, port: number): boolean {
  const covers = (r: TerraformJson) => r.ip_protocol === "tcp" && r.from_port <= port && port <= r.to_port;
  const ingress = Object.values(byPath(stack, "aws_vpc_security_group_ingress_rule")).some(
    (r) =>
      r.security_group_id === target &&
      covers(r) &&
      ("group" in source ? r.referenced_security_group_id === source.group : r.cidr_ipv4 === source.cidr),
  );
  if (!("group" in source)) return ingress;
  const egress = Object.values(byPath(stack, "aws_vpc_security_group_egress_rule")).some(
    (r) => r.security_group_id === source.group && covers(r) && r.referenced_security_group_id === target,
  );
  return ingress && egress;
}

/** The security group of the interface endpoint at `Network/<id>Endpoint`, checked to be the endpoint's. */
function endpointGroup(stack: TerraformJson, id: string): string {
  const [path, endpoint] =
    Object.entries(byPath(stack, "aws_vpc_endpoint")).find(([p]) => p.endsWith(`/Network/${id}Endpoint`)) ??
    [];
  if (!path || !endpoint) throw new Error(`no interface endpoint ${id}`);
  const group = refTo(stack, `${path}SecurityGroup/Resource`, "id");
  expect(endpoint.security_group_ids).toEqual([group]);
  expect(endpoint.private_dns_enabled).toBe(true);
  return group;
}

describe("the production profile's operators' group", () => {
  const platform = platformOf(loadConfigFile("config/production.yaml"));
  const operators = refTo(platform, "prod-platform/OperatorsSecurityGroup/Resource", "id");
  const database = refTo(platform, "prod-platform/Database/SecurityGroup/Resource", "id");
  const secretsManager = endpointGroup(platform, "SecretsManager");

  it("is declared by the profile: the documented way in", () => {
    expect(loadConfigFile("config/production.yaml").network.operatorAccess).toEqual({
      securityGroup: true,
      cidrs: [],
      sessionManager: false,
    });
    expect(
      byPath(platform, "aws_security_group")["prod-platform/OperatorsSecurityGroup/Resource"],
    ).toMatchObject({
      name: "cdc-lake-prod-operators",
      vpc_id: refTo(platform, "prod-platform/Network/Resource", "id"),
    });
    expect(platform.output.operators_security_group_id.value).toBe(operators);
  });

  it("reaches PostgreSQL's port and the Secrets Manager endpoint's 443, in both directions", () => {
    expect(reaches(platform, { group: operators }, database, 5432)).toBe(true);
    expect(reaches(platform, { group: operators }, secretsManager, 443)).toBe(true);
  });

  it("reaches nothing else: not MSK, and out only to PostgreSQL, the endpoints and S3", () => {
    const msk = refTo(platform, "prod-platform/Kafka/SecurityGroup/Resource", "id");
    expect(reaches(platform, { group: operators }, msk, 9098)).toBe(false);
    const egress = Object.values(byPath(platform, "aws_vpc_security_group_egress_rule"))
      .filter((r) => r.security_group_id === operators)
      .map((r) => [
        r.from_port,
        r.to_port,
        r.referenced_security_group_id ?? r.prefix_list_id ?? r.cidr_ipv4,
      ]);
    expect(egress).toEqual([
      [5432, 5432, database],
      [443, 443, refTo(platform, "prod-platform/Network/S3GatewayEndpoint", "prefix_list_id")],
      [443, 443, secretsManager],
    ]);
  });

  it("leaves the connectors' paths as they were", () => {
    const workers = refTo(platform, "prod-platform/ConnectorsSecurityGroup/Resource", "id");
    expect(reaches(platform, { group: workers }, database, 5432)).toBe(true);
    expect(reaches(platform, { group: workers }, secretsManager, 443)).toBe(true);
  });
});

describe("operator networks", () => {
  const platform = platformOf(
    demoWith((d) => (d.network.operatorAccess = { cidrs: ["10.50.0.0/24", "203.0.113.10/32"] })),
  );
  const database = refTo(platform, "demo-platform/Database/SecurityGroup/Resource", "id");
  const secretsManager = endpointGroup(platform, "SecretsManager");

  it("reach PostgreSQL's port and the Secrets Manager endpoint's 443", () => {
    expect(reaches(platform, { cidr: "10.50.0.0/24" }, database, 5432)).toBe(true);
    expect(reaches(platform, { cidr: "10.50.0.0/24" }, secretsManager, 443)).toBe(true);
  });

  it("are admitted once by PostgreSQL when database.allowedCidrs already admits them (AWS refuses a duplicate)", () => {
    const rules = Object.values(byPath(platform, "aws_vpc_security_group_ingress_rule")).filter(
      (r) => r.security_group_id === database && r.cidr_ipv4 === "203.0.113.10/32",
    );
    expect(rules).toHaveLength(1);
    expect(reaches(platform, { cidr: "203.0.113.10/32" }, secretsManager, 443)).toBe(true);
  });

  it("create no operators' group unless declared", () => {
    expect(Object.keys(byPath(platform, "aws_security_group"))).not.toContain(
      "demo-platform/OperatorsSecurityGroup/Resource",
    );
  });
});

describe("Session Manager endpoints", () => {
  const platform = platformOf(
    productionWith(
      (d) =>
        (d.network.operatorAccess = { securityGroup: true, cidrs: ["10.60.0.0/24"], sessionManager: true }),
    ),
  );
  const operators = refTo(platform, "prod-platform/OperatorsSecurityGroup/Resource", "id");

  it.each([
    ["Ssm", "ssm"],
    ["SsmMessages", "ssmmessages"],
    ["Ec2Messages", "ec2messages"],
  ])(
    "%s: private DNS, in the workload subnets, reached on 443 by the operators' group and networks",
    (id, service) => {
      const group = endpointGroup(platform, id);
      expect(byPath(platform, "aws_vpc_endpoint")[`prod-platform/Network/${id}Endpoint`]).toMatchObject({
        service_name: `com.amazonaws.us-east-1.${service}`,
        vpc_endpoint_type: "Interface",
        subnet_ids: ["use1-az1", "use1-az2", "use1-az4"].map((az) =>
          refTo(platform, `prod-platform/Network/PrivateSubnet-${az}`, "id"),
        ),
      });
      expect(reaches(platform, { group: operators }, group, 443)).toBe(true);
      expect(reaches(platform, { cidr: "10.60.0.0/24" }, group, 443)).toBe(true);
      // Nobody else: the connectors never call SSM.
      const admitted = Object.values(byPath(platform, "aws_vpc_security_group_ingress_rule"))
        .filter((r) => r.security_group_id === group)
        .map((r) => r.referenced_security_group_id ?? r.cidr_ipv4);
      expect(admitted.sort()).toEqual([operators, "10.60.0.0/24"].sort());
    },
  );

  it("are not created unless asked for", () => {
    const plain = platformOf(loadConfigFile("config/production.yaml"));
    expect(Object.keys(byPath(plain, "aws_vpc_endpoint")).sort()).toEqual([
      "prod-platform/Network/S3GatewayEndpoint",
      "prod-platform/Network/SecretsManagerEndpoint",
    ]);
  });
});

describe("without network.operatorAccess", () => {
  it("nothing changes: the JSON is the same as with every option off", () => {
    const demo = synthesize(demoWith(() => {}));
    const off = synthesize(
      demoWith(
        (d) => (d.network.operatorAccess = { securityGroup: false, cidrs: [], sessionManager: false }),
      ),
    );
    made.push(demo, off);
    expect(off.stacks["demo-platform"]).toEqual(demo.stacks["demo-platform"]);
  });

  it("no operator is admitted anywhere: PostgreSQL admits the connectors and database.allowedCidrs, the endpoint the connectors", () => {
    const platform = platformOf(productionWith((d) => delete d.network.operatorAccess));
    const paths = Object.values<Record<string, TerraformJson>>(platform.resource).flatMap((byName) =>
      Object.values(byName).map((r) => r["//"].metadata.path as string),
    );
    expect(paths.filter((p) => /operator/i.test(p))).toEqual([]);
    expect(platform.output.operators_security_group_id).toBeUndefined();
    const workers = refTo(platform, "prod-platform/ConnectorsSecurityGroup/Resource", "id");
    const ingress = Object.values(byPath(platform, "aws_vpc_security_group_ingress_rule"));
    const admittedBy = (group: string) =>
      ingress
        .filter((r) => r.security_group_id === group)
        .map((r) => r.referenced_security_group_id ?? r.cidr_ipv4);
    expect(admittedBy(refTo(platform, "prod-platform/Database/SecurityGroup/Resource", "id"))).toEqual([
      workers,
    ]);
    expect(admittedBy(endpointGroup(platform, "SecretsManager"))).toEqual([workers]);
  });
});

/**
 * Availability zones by ID and by name in the synthesized JSON: where subnets are placed, the Terraform
 * addresses existing configs keep, the moves from names to IDs, and MSK's check of its subnets' zones.
 */
import { afterAll, describe, expect, it } from "vitest";
import { byPath, demoWith, refTo, type Synthesized, synthesize, type TerraformJson } from "../support/synth";

const made: Synthesized[] = [];
afterAll(() => {
  for (const s of made) s.cleanup();
});
function platformOf(change: (d: Record<string, any>) => void): TerraformJson {
  const s = synthesize(demoWith(change));
  made.push(s);
  return s.stacks["demo-platform"] ?? {};
}
const byIds = (ids: string[], previous?: string[]) => (d: Record<string, any>) => {
  delete d.network.availabilityZones;
  d.network.availabilityZoneIds = ids;
  if (previous) d.network.previousAvailabilityZones = previous;
};

describe("subnets placed by zone name (existing configs)", () => {
  const platform = platformOf(() => {});

  it("keep their Terraform addresses, byte for byte", () => {
    // The addresses deployed demos hold in their state: a change would replace the subnets.
    expect(refTo(platform, "demo-platform/Network/PublicSubnet-us-east-1a", "id")).toBe(
      "${aws_subnet.Network_PublicSubnet-us-east-1a_166000F0.id}",
    );
    expect(Object.keys(platform.resource.aws_subnet).sort()).toEqual([
      "Network_PublicSubnet-us-east-1a_166000F0",
      "Network_PublicSubnet-us-east-1b_76C8F850",
      "Network_PublicSubnet-us-east-1c_852D9A42",
    ]);
    expect(platform.moved).toBeUndefined();
  });

  it("are placed by name, as before", () => {
    const subnet = byPath(platform, "aws_subnet")["demo-platform/Network/PublicSubnet-us-east-1a"];
    expect(subnet?.availability_zone).toBe("us-east-1a");
    expect(subnet?.availability_zone_id).toBeUndefined();
  });
});

describe("subnets placed by zone ID", () => {
  const platform = platformOf(byIds(["use1-az1", "use1-az2", "use1-az4"]));

  it("set availability_zone_id, never the account-specific name", () => {
    const subnets = Object.entries(byPath(platform, "aws_subnet")).map(([path, s]) => [
      path,
      s.availability_zone_id,
      s.availability_zone,
      s.cidr_block,
      s.tags.Name,
    ]);
    expect(subnets).toEqual([
      [
        "demo-platform/Network/PublicSubnet-use1-az1",
        "use1-az1",
        undefined,
        "10.0.0.0/24",
        "cdc-lake-demo-public-use1-az1",
      ],
      [
        "demo-platform/Network/PublicSubnet-use1-az2",
        "use1-az2",
        undefined,
        "10.0.1.0/24",
        "cdc-lake-demo-public-use1-az2",
      ],
      [
        "demo-platform/Network/PublicSubnet-use1-az4",
        "use1-az4",
        undefined,
        "10.0.2.0/24",
        "cdc-lake-demo-public-use1-az4",
      ],
    ]);
  });

  it("are what RDS, MSK and the Secrets Manager endpoint use", () => {
    const ids = ["use1-az1", "use1-az2", "use1-az4"].map((az) =>
      refTo(platform, `demo-platform/Network/PublicSubnet-${az}`, "id"),
    );
    expect(Object.values(byPath(platform, "aws_db_subnet_group"))[0]?.subnet_ids).toEqual(ids);
    expect(
      Object.values(byPath(platform, "aws_msk_cluster"))[0]?.broker_node_group_info.client_subnets,
    ).toEqual(ids);
    expect(
      byPath(platform, "aws_vpc_endpoint")["demo-platform/Network/SecretsManagerEndpoint"]?.subnet_ids,
    ).toEqual(ids);
  });
});

describe("moving a deployed pipeline from zone names to zone IDs", () => {
  const before = platformOf(() => {});
  const after = platformOf(
    byIds(["use1-az4", "use1-az6", "use1-az1"], ["us-east-1a", "us-east-1b", "us-east-1c"]),
  );

  it("moves each subnet and its route-table association from the name's address to the ID's", () => {
    const address = (stack: TerraformJson, path: string) => refTo(stack, path, "id").slice(2, -4);
    const moves = ["a", "b", "c"].flatMap((suffix, i) => {
      const id = ["use1-az4", "use1-az6", "use1-az1"][i];
      return [
        {
          from: address(before, `demo-platform/Network/PublicSubnet-us-east-1${suffix}`),
          to: address(after, `demo-platform/Network/PublicSubnet-${id}`),
        },
        {
          from: address(before, `demo-platform/Network/PublicSubnetRoutes-us-east-1${suffix}`),
          to: address(after, `demo-platform/Network/PublicSubnetRoutes-${id}`),
        },
      ];
    });
    expect(after.moved).toEqual(expect.arrayContaining(moves));
    expect(after.moved).toHaveLength(6);
  });

  it("places each subnet by the zone ID that the name stood for, with the same CIDR", () => {
    expect(byPath(after, "aws_subnet")["demo-platform/Network/PublicSubnet-use1-az4"]).toMatchObject({
      availability_zone_id: "use1-az4",
      cidr_block: "10.0.0.0/24",
    });
  });
});

describe("MSK's check of its subnets' zones", () => {
  const check = (stack: TerraformJson) => {
    const [cluster] = Object.values(byPath(stack, "aws_msk_cluster"));
    return cluster?.lifecycle?.precondition;
  };

  it("refuses use1-az3 before the cluster is created, from the subnets' zone IDs known at apply", () => {
    const platform = platformOf(() => {});
    const zoneIds = ["us-east-1a", "us-east-1b", "us-east-1c"].map((az) =>
      refTo(platform, `demo-platform/Network/PublicSubnet-${az}`, "availability_zone_id").slice(2, -1),
    );
    expect(check(platform)).toEqual([
      {
        condition: `\${(length(setintersection([${zoneIds.join(", ")}], ["use1-az3"])) < 1)}`,
        error_message: expect.stringMatching(
          /^A subnet of this MSK cluster is in availability zone use1-az3, which Amazon MSK refuses .* set network\.availabilityZoneIds /,
        ),
      },
    ]);
  });

  it("checks the private subnets when the workloads run there", () => {
    const platform = platformOf((d) => {
      d.network.workloadSubnets = "private";
      d.database.publiclyAccessible = false;
    });
    expect(check(platform)?.[0]?.condition).toContain("aws_subnet.Network_PrivateSubnet-us-east-1a_");
    expect(check(platform)?.[0]?.condition).not.toContain("PublicSubnet");
  });
});

import type { Rule, StackView } from "../rule";

/** Subnets (as `${aws_subnet.X.id}` references) whose route table sends 0.0.0.0/0 to an internet gateway. */
function publicSubnets(stack: StackView): Set<string> {
  const internetTables = new Set(
    stack
      .ofType("aws_route")
      .filter(
        (r) =>
          r.config.destination_cidr_block === "0.0.0.0/0" &&
          String(r.config.gateway_id ?? "").includes("aws_internet_gateway."),
      )
      .map((r) => r.config.route_table_id as string),
  );
  return new Set(
    stack
      .ofType("aws_route_table_association")
      .filter((a) => internetTables.has(a.config.route_table_id))
      .map((a) => a.config.subnet_id as string),
  );
}

export const NetworkPublicWorkloads: Rule = {
  id: "CDC-NET3",
  level: "warning",
  cause: "RDS or MSK runs in subnets with a route to the internet.",
  why: "Private subnets keep the database and brokers unreachable from outside even if a security group is opened by mistake.",
  fix: "Set network.workloadSubnets: private (S3 and Secrets Manager are reached through VPC endpoints).",
  appliesTo: ["aws_db_subnet_group", "aws_msk_cluster"],
  check: (b, stack) => {
    const subnets: string[] =
      b.type === "aws_db_subnet_group"
        ? (b.config.subnet_ids ?? [])
        : (b.config.broker_node_group_info?.client_subnets ?? []);
    const open = publicSubnets(stack);
    return subnets.some((s) => open.has(s)) ? "non-compliant" : "compliant";
  },
};

import { z } from "zod";
import { addProblem, cidrBlock, NAME_PART_PATTERN } from "../fields";
import { pgDatabaseName, pgRoleName } from "../postgres-names";
import { CaptureSchema } from "./capture";
import { ConnectThroughSchema, hostName } from "./database";

/**
 * Longest source name: it joins `<project>-<environment>` in the names of the source's connector, role and
 * PostgreSQL objects (checked against each service's limit by the cross-field rules).
 */
export const SOURCE_NAME_MAX_LENGTH = 20;

/**
 * A Secrets Manager secret's ARN. AWS appends a 6-character suffix to the secret's name.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources
 */
export const SECRET_ARN_PATTERN =
  /^arn:aws(-[a-z]+)*:secretsmanager:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

/** The key of the managed source (the RDS instance the pipeline creates) where sources are listed by name. */
export const MANAGED_SOURCE_KEY = "managed";

/** A security group ID: `sg-` and 8 or 17 hexadecimal digits. */
const SECURITY_GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;

const ConnectorsReachSchema = z
  .strictObject({
    securityGroupId: z
      .string()
      .regex(SECURITY_GROUP_ID, "expected a security group ID such as sg-0123456789abcdef0")
      .optional()
      .describe(
        "The database's security group: the platform stack adds an ingress rule admitting the connectors' " +
          "group on the database's port (the group must be in the pipeline's VPC or a peered one). Default: none.",
      ),
    cidr: cidrBlock
      .optional()
      .describe(
        "The database's network: the connectors' group may reach it on the database's port; admitting " +
          "them there (security group, firewall, pg_hba.conf) is the database owner's part. Default: none.",
      ),
  })
  .superRefine((reach, ctx) => {
    if ((reach.securityGroupId === undefined) === (reach.cidr === undefined)) {
      addProblem(
        ctx,
        [],
        `got ${reach.cidr === undefined ? "neither" : "both"}; expected exactly one of securityGroupId (the database's group, which admits the connectors) or cidr (the database's network)`,
      );
    }
  })
  .describe(
    "How the connectors' workers reach the database: { securityGroupId: sg-… } or { cidr: 10.20.0.0/16 }. Required.",
  );

export const ExistingSourceSchema = z
  .strictObject({
    name: z
      .string()
      .max(SOURCE_NAME_MAX_LENGTH, `expected at most ${SOURCE_NAME_MAX_LENGTH} characters`)
      .regex(NAME_PART_PATTERN, "expected lowercase letters, digits and single hyphens (a source name)")
      .refine((name) => name !== MANAGED_SOURCE_KEY, {
        message: `expected a name other than "${MANAGED_SOURCE_KEY}", which names the source on the RDS instance the pipeline creates`,
      })
      .describe(
        "The source's name: part of its connector's, role's and PostgreSQL objects' names, and of its default " +
          "topic prefix (<project>-<environment>-<name>). Required; distinct per source.",
      ),
    engine: z
      .enum(["rds-postgresql", "aurora-postgresql", "postgresql"])
      .describe(
        "What runs the database: rds-postgresql (CDC role joins rds_replication; logical replication is " +
          "rds.logical_replication in the instance's parameter group), aurora-postgresql (the same, in the " +
          "cluster's parameter group), postgresql (self-managed: the role gets REPLICATION; wal_level = " +
          "logical in postgresql.conf). Required.",
      ),
    endpoint: hostName().describe(
      "Host name or address the connectors and the database stack reach, e.g. the RDS or Aurora writer endpoint. Required.",
    ),
    port: z.number().int().min(1).max(65535).default(5432).describe("PostgreSQL port."),
    database: pgDatabaseName().describe("Database that holds the captured tables. Required."),
    adminUsername: pgRoleName().describe(
      "Login the database stack connects as to create the CDC role, grants and publication (the RDS master " +
        "user, or a role with CREATEROLE that can grant rds_replication; a superuser for postgresql). Required.",
    ),
    adminSecretArn: z
      .string()
      .regex(
        SECRET_ARN_PATTERN,
        "expected a Secrets Manager secret ARN such as arn:aws:secretsmanager:us-east-1:123456789012:secret:billing-admin-AbCdEf",
      )
      .describe(
        "Secrets Manager secret with the admin login's password, JSON with a password key (RDS's format for " +
          "master users). Read during apply, never stored in state. In the pipeline's region. Required.",
      ),
    connectorsReach: ConnectorsReachSchema,
    connectThrough: ConnectThroughSchema.describe(
      "Where the database stack (provider and psql) connects instead of endpoint: the local end of a tunnel. " +
        "TLS still applies. Default: endpoint.",
    ),
    capture: CaptureSchema,
  })
  .describe("A PostgreSQL database that already exists, captured by its own CDC role, slot and connector.");

export const SourcesSchema = z
  .array(ExistingSourceSchema)
  .default([])
  .describe(
    "Databases that already exist (RDS, Aurora PostgreSQL or self-managed), each captured by its own CDC role, " +
      "publication, slot and Debezium connector; several databases of one server are several sources. The " +
      "database stack checks each server can do CDC before creating anything. Default: none.",
  );

import { GrantRole } from "@cdktf/provider-postgresql/lib/grant-role";
import { PostgresqlProvider } from "@cdktf/provider-postgresql/lib/provider";
import { Annotations, DataResource, dependable, Fn, TerraformOutput, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import type { Naming } from "../config/naming";
import type { SourceConfig, SourceEngine } from "../config/pipeline-config";
import { MANAGED_SOURCE_KEY } from "../config/sections/sources";
import { CapturedTables } from "../constructs/postgres/captured-tables";
import { CdcPublication } from "../constructs/postgres/cdc-publication";
import { CdcRole } from "../constructs/postgres/cdc-role";
import { LogicalReplicationCheck } from "../constructs/postgres/logical-replication-check";
import type { PostgresConnection } from "../constructs/postgres/psql-step";
import { EphemeralResource } from "../constructs/terraform/ephemeral-resource";
import { canaryTableOf, HEARTBEAT_TABLE, qualifiedName } from "../sql/capture-sql";
import { PipelineStack, type PipelineStackProps } from "./pipeline-stack";

/** Where a source's database runs, as the database stack reaches it. */
export interface SourceServer {
  readonly address: string;
  readonly port: number;
  /**
   * What identifies the server's data: the RDS resource id (a new or restored instance re-runs the SQL and
   * the password step), or `<endpoint>:<port>/<database>` for an existing database.
   */
  readonly identity: string;
  /** Secrets Manager secret with the admin login's password (JSON `password`). */
  readonly adminSecretArn: string;
  /** Major version, when known (the managed instance's): spares the provider a version probe. */
  readonly engineVersion?: string | undefined;
}

/** One source, as this stack receives it. */
export interface DatabaseSource {
  readonly config: SourceConfig;
  readonly server: SourceServer;
}

export interface DatabaseStackProps extends PipelineStackProps {
  readonly naming: Naming;
  readonly sources: readonly DatabaseSource[];
}

/** What the connectors need, available only once grants, slot and secret exist. */
export interface CaptureReady {
  readonly cdcSecretArn: string;
  /** The secret's name: the MSK config provider takes a name, not an ARN. */
  readonly cdcSecretName: string;
  /**
   * The secret version holding the current password: new on each rotation (capture.cdcPasswordVersion),
   * once the role has that password; the Debezium connector is replaced when it changes.
   */
  readonly cdcSecretVersionId: string;
  /** `schema.table` of Debezium's heartbeat table. */
  readonly heartbeatTable: string;
  readonly publicationName: string;
  readonly replicationSlotName: string;
}

/** How a source's server lets the CDC role replicate (see CdcRole). */
function replicationOf(engine: SourceEngine): "rds_replication" | "role-attribute" {
  return engine === "postgresql" ? "role-attribute" : "rds_replication";
}

/**
 * `<env>-database`: what lives inside PostgreSQL, for each source: the CDC role and its grants, the captured
 * tables' replica identity, the publication, the heartbeat table. Connects as each source's admin login
 * with the password read from Secrets Manager through an ephemeral resource (so never stored). An existing
 * database is first checked for what CDC needs (wal_level = logical, a free slot and WAL sender), and
 * nothing of its source is created when that check fails. Runs where every source is reachable: the
 * operator's CIDR for the demo's public endpoint, inside the VPC (or through a tunnel) for a private one.
 */
export class DatabaseStack extends PipelineStack {
  /** Per source, in the order of `props.sources`. */
  readonly captures: readonly CaptureReady[];

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    super(scope, id, props);
    this.captures = props.sources.map((source) => this.captureSource(source, props.naming));
    // The sources by name ("managed" for the RDS instance the pipeline creates), for operators and checks.
    new TerraformOutput(this, "sources", {
      value: Object.fromEntries(
        props.sources.map((source, i) => [source.config.name ?? MANAGED_SOURCE_KEY, this.captures[i]]),
      ),
      description: "Per source: CDC role secret, heartbeat table, publication and replication slot",
    });
  }

  /**
   * One source's objects. The managed source's live at the stack's root, where they always have (their
   * Terraform addresses are their identity); an existing database's under `Source-<name>`, with a provider
   * of its own.
   */
  private captureSource({ config: source, server }: DatabaseSource, naming: Naming): CaptureReady {
    const managed = source.name === undefined;
    const scope: Construct = managed ? this : new Construct(this, `Source-${source.name}`);
    const { capture } = source;

    const adminSecret = new EphemeralResource(
      scope,
      managed ? "MasterPassword" : "AdminPassword",
      "aws_secretsmanager_secret_version",
      { secret_id: server.adminSecretArn },
    );
    // A private server is reached through a tunnel (connectThrough) or from inside the VPC.
    const port = source.connectThrough?.port ?? server.port;
    const connection: PostgresConnection = {
      host: source.connectThrough?.host ?? server.address,
      port,
      database: source.databaseName,
      username: source.adminUsername,
      password: Fn.lookup(Fn.jsondecode(adminSecret.attribute("secret_string")), "password"),
    };
    const provider = new PostgresqlProvider(scope, "postgresql", {
      ...connection,
      port,
      alias: managed ? undefined : `source-${source.name}`,
      // Every supported server encrypts connections; verify-full needs the CA bundle on the operator's machine.
      sslmode: "require",
      // RDS and Aurora have no superuser; the provider then skips what needs one.
      superuser: false,
      expectedVersion: server.engineVersion,
      connectTimeout: 15,
    });

    // An existing server is checked before anything of the source is created (see bindToSource below).
    const check =
      source.server.kind === "existing"
        ? new LogicalReplicationCheck(scope, "LogicalReplicationCheck", {
            engine: source.server.engine,
            connection,
            // Once Debezium has created its slot, the check needs no free one for it.
            slotName: capture.slotName,
            triggersReplace: { server: server.identity },
          })
        : undefined;

    // The admin must act as the tables' owner to set their replica identity and publish them.
    const ownerMembership =
      capture.tableOwner === source.adminUsername
        ? []
        : [
            new GrantRole(scope, managed ? "MasterActsAsTableOwner" : "AdminActsAsTableOwner", {
              role: source.adminUsername,
              grantRole: capture.tableOwner,
            }),
          ];

    const tables = new CapturedTables(scope, "CapturedTables", {
      tables: capture.tables,
      heartbeatSchema: capture.heartbeatSchema,
      connection,
      databaseInstanceId: server.identity,
      after: ownerMembership,
    });

    const cdcRole = new CdcRole(scope, "CdcRole", {
      roleName: capture.cdcRoleName,
      database: source.databaseName,
      secretNamePrefix: naming.postgresSecretPrefix(capture.cdcRoleName),
      passwordVersion: capture.cdcPasswordVersion,
      connection,
      databaseInstanceId: server.identity,
      replication:
        source.server.kind === "existing" ? replicationOf(source.server.engine) : "rds_replication",
    });
    const schemas = [...new Set(capture.tables.map((t) => t.schema))];
    const grants = schemas.flatMap((schema) =>
      cdcRole.grantRead(
        schema,
        capture.tables.filter((t) => t.schema === schema).map((t) => t.table),
        capture.tableOwner,
        [tables.resource, cdcRole.role],
      ),
    );
    const canary = canaryTableOf(capture.heartbeatSchema);
    grants.push(
      ...cdcRole.grantHeartbeat(capture.heartbeatSchema, HEARTBEAT_TABLE, [tables.resource, cdcRole.role]),
      cdcRole.grantCanary(canary.schema, canary.table, [tables.resource, cdcRole.role]),
    );
    const heartbeatTable = `${capture.heartbeatSchema}.${HEARTBEAT_TABLE}`;

    const publication = new CdcPublication(scope, "Publication", {
      database: source.databaseName,
      publicationName: capture.publicationName,
      slotName: capture.slotName,
      tables: [...capture.tables.map(qualifiedTable), heartbeatTable, qualifiedTable(canary)],
      after: [tables.resource, ...ownerMembership],
      forgetEarlierSlot: managed,
    });

    for (const t of capture.tables.filter((t) => t.replicaIdentity === "default")) {
      Annotations.of(tables).addWarning(
        `${qualifiedName(t)} uses REPLICA IDENTITY DEFAULT: its UPDATE and DELETE events carry only the ` +
          "primary key of the old row, not the whole row (capture.tables[].replicaIdentity: full for before-images)",
      );
    }

    // One barrier for consumers: its output exists only once the grants, the publication, the slot and the
    // CDC secret do, so whatever reads these outputs (the connectors stack) waits for all of them.
    const ready = new DataResource(scope, "CaptureReady", {
      input: {
        cdc_role_name: cdcRole.role.name,
        cdc_secret_arn: cdcRole.secret.arn,
        cdc_secret_name: cdcRole.secret.name,
        cdc_secret_version_id: cdcRole.secretValue.versionId,
        heartbeat_table: heartbeatTable,
        publication_name: publication.publication.name,
        replication_slot_name: publication.slotName,
        captured_tables: capture.tables.map(qualifiedTable),
        capture_sql_sha256: tables.sqlSha256,
      },
      dependsOn: [...grants, cdcRole.secretValue, cdcRole.password, publication.publication, tables.resource],
    });

    if (!managed) bindToSource(scope, provider, check?.resource);
    else {
      const output = (name: string, description: string) =>
        new TerraformOutput(this, name, { value: ready.output.lookup(name), description });
      output("cdc_role_name", "PostgreSQL role Debezium connects as");
      output("cdc_secret_arn", "Secrets Manager secret with the CDC role's username and password");
      output("publication_name", "Publication of the captured tables");
      output("replication_slot_name", "Logical replication slot (pgoutput) for Debezium");
      output("captured_tables", "Captured tables (schema.table), in the publication, replica identity set");
      output("capture_sql_sha256", "Hash of the SQL applied to the captured tables");
    }
    return {
      cdcSecretArn: ready.output.lookup("cdc_secret_arn"),
      cdcSecretName: ready.output.lookup("cdc_secret_name"),
      cdcSecretVersionId: ready.output.lookup("cdc_secret_version_id"),
      heartbeatTable: ready.output.lookup("heartbeat_table"),
      publicationName: ready.output.lookup("publication_name"),
      replicationSlotName: ready.output.lookup("replication_slot_name"),
    };
  }
}

/**
 * An existing database's resources use its own provider (its server and admin login), and wait for the
 * server's CDC check: a server without logical replication gets nothing, and the apply stops with the fix.
 */
function bindToSource(
  scope: Construct,
  provider: PostgresqlProvider,
  check: TerraformResource | undefined,
): void {
  for (const node of scope.node.findAll()) {
    if (!(node instanceof TerraformResource)) continue;
    if (node.terraformResourceType.startsWith("postgresql_")) node.provider = provider;
    if (check && node !== check && !node.node.path.startsWith(`${check.node.path}/`)) {
      node.dependsOn = [...(node.dependsOn ?? []), dependable(check)];
    }
  }
}

/** `schema.table`, as the provider's publication lists tables. */
function qualifiedTable(t: { schema: string; table: string }): string {
  return `${t.schema}.${t.table}`;
}

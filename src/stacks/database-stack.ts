import { GrantRole } from "@cdktf/provider-postgresql/lib/grant-role";
import { PostgresqlProvider } from "@cdktf/provider-postgresql/lib/provider";
import { Annotations, DataResource, Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { Naming } from "../config/naming";
import type { CaptureConfig, DatabaseConfig } from "../config/pipeline-config";
import { CapturedTables } from "../constructs/postgres/captured-tables";
import { CdcPublication } from "../constructs/postgres/cdc-publication";
import { CdcRole } from "../constructs/postgres/cdc-role";
import { EphemeralResource } from "../constructs/terraform/ephemeral-resource";
import { HEARTBEAT_TABLE, qualifiedName } from "../sql/capture-sql";
import { PipelineStack, type PipelineStackProps } from "./pipeline-stack";

export interface DatabaseStackProps extends PipelineStackProps {
  readonly naming: Naming;
  readonly database: Pick<
    DatabaseConfig,
    "databaseName" | "masterUsername" | "engineVersion" | "connectThrough"
  >;
  readonly capture: CaptureConfig;
  /** The RDS instance (from the platform stack). */
  readonly instance: {
    readonly address: string;
    readonly port: number;
    /** RDS resource id: a new instance (same identifier) re-runs the SQL. */
    readonly resourceId: string;
    readonly masterUserSecretArn: string;
  };
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

/**
 * `<env>-database`: what lives inside PostgreSQL. Connects as the RDS master user with the password RDS
 * keeps in Secrets Manager, read through an ephemeral resource (so never stored), and creates the CDC
 * role, its grants, the captured tables' replica identity, the publication and the replication slot.
 * Runs where PostgreSQL is reachable: the operator's CIDR for the demo's public endpoint, inside the VPC
 * (or through a tunnel) for a private one.
 */
export class DatabaseStack extends PipelineStack {
  readonly cdcRole: CdcRole;
  readonly publication: CdcPublication;
  readonly tables: CapturedTables;
  readonly capture: CaptureReady;

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    super(scope, id, props);
    const { capture, database, instance } = props;

    const masterSecret = new EphemeralResource(this, "MasterPassword", "aws_secretsmanager_secret_version", {
      secret_id: instance.masterUserSecretArn,
    });
    const masterPassword = Fn.lookup(Fn.jsondecode(masterSecret.attribute("secret_string")), "password");
    // A private RDS is reached through a tunnel (database.connectThrough) or from inside the VPC.
    const connection = {
      host: database.connectThrough?.host ?? instance.address,
      port: database.connectThrough?.port ?? instance.port,
      database: database.databaseName,
      username: database.masterUsername,
      password: masterPassword,
    };
    new PostgresqlProvider(this, "postgresql", {
      ...connection,
      // RDS encrypts connections; verify-full needs the RDS CA bundle on the operator's machine.
      sslmode: "require",
      // The RDS master is not a superuser; expected_version spares a version probe per connection.
      superuser: false,
      expectedVersion: database.engineVersion,
      connectTimeout: 15,
    });

    // The master must act as the tables' owner to set their replica identity and publish them.
    const ownerMembership =
      capture.tableOwner === database.masterUsername
        ? []
        : [
            new GrantRole(this, "MasterActsAsTableOwner", {
              role: database.masterUsername,
              grantRole: capture.tableOwner,
            }),
          ];

    this.tables = new CapturedTables(this, "CapturedTables", {
      tables: capture.tables,
      heartbeatSchema: capture.heartbeatSchema,
      connection,
      databaseInstanceId: instance.resourceId,
      after: ownerMembership,
    });

    this.cdcRole = new CdcRole(this, "CdcRole", {
      roleName: capture.cdcRoleName,
      database: database.databaseName,
      secretNamePrefix: props.naming.postgresSecretPrefix(capture.cdcRoleName),
      passwordVersion: capture.cdcPasswordVersion,
      connection,
      databaseInstanceId: instance.resourceId,
    });
    const schemas = [...new Set(capture.tables.map((t) => t.schema))];
    const grants = schemas.flatMap((schema) =>
      this.cdcRole.grantRead(
        schema,
        capture.tables.filter((t) => t.schema === schema).map((t) => t.table),
        capture.tableOwner,
        [this.tables.resource, this.cdcRole.role],
      ),
    );
    grants.push(
      ...this.cdcRole.grantHeartbeat(capture.heartbeatSchema, HEARTBEAT_TABLE, [
        this.tables.resource,
        this.cdcRole.role,
      ]),
    );
    const heartbeatTable = `${capture.heartbeatSchema}.${HEARTBEAT_TABLE}`;

    this.publication = new CdcPublication(this, "Publication", {
      database: database.databaseName,
      publicationName: capture.publicationName,
      slotName: capture.slotName,
      tables: [...capture.tables.map((t) => `${t.schema}.${t.table}`), heartbeatTable],
      after: [this.tables.resource, ...ownerMembership],
    });

    for (const t of capture.tables.filter((t) => t.replicaIdentity === "default")) {
      Annotations.of(this.tables).addWarning(
        `${qualifiedName(t)} uses REPLICA IDENTITY DEFAULT: its UPDATE and DELETE events carry only the ` +
          "primary key of the old row, not the whole row (capture.tables[].replicaIdentity: full for before-images)",
      );
    }

    // One barrier for consumers: its output exists only once the grants, the publication, the slot and the
    // CDC secret do, so whatever reads these outputs (the connectors stack) waits for all of them.
    const ready = new DataResource(this, "CaptureReady", {
      input: {
        cdc_role_name: this.cdcRole.role.name,
        cdc_secret_arn: this.cdcRole.secret.arn,
        cdc_secret_name: this.cdcRole.secret.name,
        cdc_secret_version_id: this.cdcRole.secretValue.versionId,
        heartbeat_table: heartbeatTable,
        publication_name: this.publication.publication.name,
        replication_slot_name: this.publication.slotName,
        captured_tables: capture.tables.map((t) => `${t.schema}.${t.table}`),
        capture_sql_sha256: this.tables.sqlSha256,
      },
      dependsOn: [
        ...grants,
        this.cdcRole.secretValue,
        this.cdcRole.password,
        this.publication.publication,
        this.tables.resource,
      ],
    });
    this.capture = {
      cdcSecretArn: ready.output.lookup("cdc_secret_arn"),
      cdcSecretName: ready.output.lookup("cdc_secret_name"),
      cdcSecretVersionId: ready.output.lookup("cdc_secret_version_id"),
      heartbeatTable: ready.output.lookup("heartbeat_table"),
      publicationName: ready.output.lookup("publication_name"),
      replicationSlotName: ready.output.lookup("replication_slot_name"),
    };
    const output = (name: string, description: string) =>
      new TerraformOutput(this, name, { value: ready.output.lookup(name), description });
    output("cdc_role_name", "PostgreSQL role Debezium connects as");
    output("cdc_secret_arn", "Secrets Manager secret with the CDC role's username and password");
    output("publication_name", "Publication of the captured tables");
    output("replication_slot_name", "Logical replication slot (pgoutput) for Debezium");
    output("captured_tables", "Captured tables (schema.table), in the publication, replica identity set");
    output("capture_sql_sha256", "Hash of the SQL applied to the captured tables");
  }
}

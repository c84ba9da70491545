import { DataResource, Lazy, type TerraformResource, Token } from "cdktf";
import { Construct } from "constructs";
import dropReplicationSlotSql from "../../sql/drop-replication-slot.sql";
import { escapeTemplate } from "./psql-step";

export interface ReplicationSlotLifecycleProps {
  /** The logical replication slot the connector reads (Debezium's `slot.name`). */
  readonly slotName: string;
  /**
   * Where the machine that runs `destroy` reaches PostgreSQL: `database.connectThrough` when set,
   * else the RDS endpoint (as the database stack connects).
   */
  readonly connection: {
    readonly host: string;
    readonly port: number | string;
    readonly database: string;
  };
  /**
   * Secrets Manager secret (JSON `username`, `password`) of a role that may drop the slot: the CDC
   * role's (a member of rds_replication, which may create and drop replication slots). Read with the
   * AWS CLI when `destroy` runs, so the password is in no plan and no state.
   */
  readonly credentialsSecretArn: string;
  /** Region of that secret (the stack's). */
  readonly region: string;
  /**
   * How long `destroy` waits for the slot's reader to disconnect before it fails. MSK Connect reports
   * the connector deleted once its tasks stop; PostgreSQL may take until wal_sender_timeout to notice
   * a worker that vanished.
   * @default 300
   */
  readonly readerGoneTimeoutSeconds?: number;
}

/** Seconds between two attempts to drop a slot that is still active. */
export const SLOT_DROP_POLL_SECONDS = 2;

/**
 * Reads one string field (argv[1]) of the JSON on stdin; exits 1, printing nothing, when it cannot:
 * a parse error message would quote the secret.
 */
const JSON_FIELD_JS =
  'let s="";process.stdin.setEncoding("utf8").on("data",(d)=>{s+=d}).on("end",()=>{let v;' +
  "try{v=JSON.parse(s)[process.argv[1]]}catch{process.exit(1)}" +
  'if(typeof v!=="string"||v==="")process.exit(1);process.stdout.write(v)})';

/**
 * What `destroy` runs (POSIX sh): read the CDC role's credentials, then drop the slot with the same SQL
 * as scripts/drop-replication-slot.sh, retrying while the slot is active (its reader still connected)
 * for at most CDC_WAIT_SECONDS. It never terminates a reader: pg_drop_replication_slot refuses an
 * active slot, and this only asks again.
 */
const DROP_SLOT_SCRIPT = `set -u
fail() {
  printf 'cdc-lake: replication slot %s was NOT dropped: %s.\\n' "$CDC_SLOT" "$1" >&2
  printf '%s\\n' \\
    "Fix that and run destroy again, or drop the slot by hand:" \\
    "  scripts/drop-replication-slot.sh $CDC_SLOT   (docs/runbook.md#slot-hygiene)" \\
    "and then run destroy again. If the database itself is gone, forget this record instead:" \\
    "  terraform state rm '$CDC_ADDRESS'   (or tofu state rm)" >&2
  exit 1
}
for tool in psql aws node; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail "$tool is not on PATH (destroying the connectors stack runs psql, the AWS CLI and node, as applying the database stack does)"
done
secret=$(aws secretsmanager get-secret-value --region "$CDC_SECRET_REGION" --secret-id "$CDC_SECRET_ARN" --query SecretString --output text) ||
  fail "the AWS CLI could not read the CDC role's credentials from $CDC_SECRET_ARN (its error is above)"
PGUSER=$(printf '%s' "$secret" | node -e "$CDC_JSON_FIELD" username) &&
  PGPASSWORD=$(printf '%s' "$secret" | node -e "$CDC_JSON_FIELD" password) ||
  fail "the secret $CDC_SECRET_ARN holds no JSON username and password"
export PGUSER PGPASSWORD
waited=0
while :; do
  out=$(printf '%s' "$CDC_DROP_SQL" | psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --set slot="$CDC_SLOT" 2>&1)
  code=$?
  if [ "$code" -eq 0 ]; then
    printf '%s\\n' "$out"
    exit 0
  fi
  case "$code:$out" in
    3:*"is still active"* | 3:*"is active for PID"*) ;;
    *)
      printf '%s\\n' "$out" >&2
      fail "psql failed as $PGUSER on $PGHOST:$PGPORT/$PGDATABASE (its output is above)"
      ;;
  esac
  if [ "$waited" -ge "$CDC_WAIT_SECONDS" ]; then
    printf '%s\\n' "$out" >&2
    fail "it is still active after \${waited}s: a connector still reads it, and a slot is never taken from its reader. Delete that connector first"
  fi
  if [ "$waited" -eq 0 ]; then
    echo "cdc-lake: replication slot $CDC_SLOT is still active; waiting up to \${CDC_WAIT_SECONDS}s for its reader (the deleted connector) to disconnect"
  fi
  sleep "$CDC_POLL_SECONDS"
  waited=$((waited + CDC_POLL_SECONDS))
done`;

/**
 * The end of a logical replication slot's life, tied to the connector that reads it.
 *
 * An unread slot holds WAL: on an idle RDS instance (a 64 MB segment about every 5 minutes) the
 * max_slot_wal_keep_size cap is reached in hours, PostgreSQL invalidates the slot, and recovery means a
 * new snapshot. So the slot exists only while its reader does: Debezium creates it on first start
 * (`slot.name` set and no such slot: Debezium 2.3 runs `CREATE_REPLICATION_SLOT … LOGICAL pgoutput` as
 * the CDC role), and this `terraform_data` drops it when destroyed. `readBy(connector)` makes the
 * connector depend on it, so Terraform deletes the connector first and this drops the slot after,
 * retrying while PostgreSQL still sees the reader connected. Replacing the connector (any configuration
 * change) leaves this, and so the slot and its position, alone.
 *
 * Creating it does nothing, so applying the stack needs no path to PostgreSQL; destroying it does:
 * psql, the AWS CLI and node on the machine that runs `destroy`, as for the database stack. A destroy
 * provisioner may use only `self`: the connection is in `input` (no secret), the password is read at
 * destroy time. It runs only while this resource is still in the configuration: keep it there for as
 * long as the stack exists, and remove the whole stack with `destroy`.
 */
export class ReplicationSlotLifecycle extends Construct {
  readonly resource: DataResource;
  readonly slotName: string;

  constructor(scope: Construct, id: string, props: ReplicationSlotLifecycleProps) {
    super(scope, id);
    const timeout = props.readerGoneTimeoutSeconds ?? 300;
    if (!Token.isUnresolved(props.slotName) && !/^[a-z_][a-z0-9_]{0,62}$/.test(props.slotName)) {
      throw new Error(
        `${this.node.path}: slotName got "${props.slotName}"; expected a replication slot name ` +
          "(lowercase letters, digits and _, at most 63, not starting with a digit)",
      );
    }
    if (!Number.isInteger(timeout) || timeout < 0) {
      throw new Error(
        `${this.node.path}: readerGoneTimeoutSeconds got ${timeout}; expected a whole number of seconds, 0 or more`,
      );
    }
    this.slotName = props.slotName;
    this.resource = new DataResource(this, "Resource", {
      input: {
        slot_name: props.slotName,
        host: props.connection.host,
        port: props.connection.port,
        database: props.connection.database,
        credentials_secret_arn: props.credentialsSecretArn,
        region: props.region,
      },
      // Another slot (or another database's) is another slot's life: end this one, begin that one.
      triggersReplace: { slot_name: props.slotName, database: props.connection.database },
      provisioners: [
        {
          type: "local-exec",
          when: "destroy",
          interpreter: ["/bin/sh", "-c"],
          // The script travels in the environment: Terraform logs the command line, and this keeps it short.
          command: 'eval "$CDC_DROP_SLOT_SH"',
          environment: {
            CDC_DROP_SLOT_SH: escapeTemplate(DROP_SLOT_SCRIPT),
            CDC_SLOT: "${self.input.slot_name}",
            CDC_SECRET_ARN: "${self.input.credentials_secret_arn}",
            CDC_SECRET_REGION: "${self.input.region}",
            PGHOST: "${self.input.host}",
            PGPORT: "${self.input.port}",
            PGDATABASE: "${self.input.database}",
            // RDS has rds.force_ssl=1; verify-full would need the RDS CA bundle here.
            PGSSLMODE: "require",
            PGCONNECT_TIMEOUT: "15",
            PGAPPNAME: "cdc-lake connectors stack (drop replication slot)",
            CDC_WAIT_SECONDS: String(timeout),
            CDC_POLL_SECONDS: String(SLOT_DROP_POLL_SECONDS),
            // This resource's address, for the way out when the database is gone.
            CDC_ADDRESS: Lazy.stringValue({ produce: () => this.address }),
            CDC_DROP_SQL: escapeTemplate(dropReplicationSlotSql),
            CDC_JSON_FIELD: escapeTemplate(JSON_FIELD_JS),
          },
        },
      ],
    });
  }

  /**
   * Orders `reader` (the connector that reads the slot) after this resource: created after it, and on
   * destroy deleted before it, so the slot is dropped only once its reader is gone.
   */
  readBy(reader: TerraformResource): void {
    // A plain address: cdktf would wrap a construct reference in "${…}", which depends_on refuses.
    reader.dependsOn = [...(reader.dependsOn ?? []), this.address];
  }

  /** `terraform_data.<logical id>`. */
  get address(): string {
    return `${this.resource.terraformResourceType}.${this.resource.friendlyUniqueId}`;
  }
}

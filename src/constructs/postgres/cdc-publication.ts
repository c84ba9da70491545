import { Publication } from "@cdktf/provider-postgresql/lib/publication";
import { type ITerraformDependable, TerraformElement } from "cdktf";
import { Construct } from "constructs";

export interface CdcPublicationProps {
  readonly database: string;
  readonly publicationName: string;
  /**
   * The logical replication slot Debezium reads. This stack does not create it: Debezium creates it
   * on first start, and the connectors stack drops it when the connector goes (ReplicationSlotLifecycle).
   */
  readonly slotName: string;
  /** `schema.table` of each captured table. */
  readonly tables: readonly string[];
  /** What must exist before the publication can name the tables. */
  readonly after: ITerraformDependable[];
  /**
   * Forget (not drop) the slot resource earlier versions declared here: true where it may be in state
   * (the managed source), false for sources added since. @default true
   */
  readonly forgetEarlierSlot?: boolean;
}

/**
 * The publication Debezium's pgoutput reads, limited to the captured tables, so Debezium needs neither
 * table ownership nor a FOR ALL TABLES publication.
 *
 * No replication slot: a slot that nobody reads holds WAL (an idle RDS instance writes a segment about
 * every 5 minutes) until max_slot_wal_keep_size invalidates it, and recovering from that means a new
 * snapshot. The slot lives and dies with its reader instead: Debezium creates it (with `slot.name` set
 * and no such slot, Debezium 2.3 runs `CREATE_REPLICATION_SLOT … LOGICAL pgoutput` as the CDC role, a
 * member of rds_replication), and the connectors stack drops it once the connector is deleted.
 */
export class CdcPublication extends Construct {
  readonly publication: Publication;
  /** The slot's name, for the connectors stack: Debezium creates the slot, this stack only names it. */
  readonly slotName: string;

  constructor(scope: Construct, id: string, props: CdcPublicationProps) {
    super(scope, id);
    this.publication = new Publication(this, "Resource", {
      name: props.publicationName,
      database: props.database,
      tables: [...props.tables],
      // What Debezium turns into events. TRUNCATE is left out: Debezium 2.3 skips it by default
      // (skipped.operations=t), and a lake keeps history rather than mirroring a truncate.
      // Listed in the order the provider reads them back, or every plan shows a diff.
      publishParam: ["insert", "update", "delete"],
      dependsOn: props.after,
    });
    this.slotName = props.slotName;
    // Earlier versions managed the slot here (construct id "Slot"). Forget it without dropping it: the
    // running connector keeps reading it, and the connectors stack drops it when the connector goes.
    if (props.forgetEarlierSlot ?? true) new ForgottenResource(this, "Slot", "postgresql_replication_slot");
  }
}

/**
 * A `removed` block for a resource this construct used to create under `id`: Terraform forgets it
 * (`destroy = false`) instead of destroying it. Its address is what the old resource's was, because the
 * logical id comes from the same construct path.
 */
class ForgottenResource extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly resourceType: string,
  ) {
    super(scope, id, resourceType);
  }

  override toTerraform(): Record<string, unknown> {
    return {
      removed: [{ from: `${this.resourceType}.${this.friendlyUniqueId}`, lifecycle: { destroy: false } }],
    };
  }
}

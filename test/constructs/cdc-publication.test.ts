import { ReplicationSlot } from "@cdktf/provider-postgresql/lib/replication-slot";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { CdcPublication } from "../../src/constructs/postgres/cdc-publication";

function synth(): { json: Record<string, any>; publication: CdcPublication } {
  let publication: CdcPublication | undefined;
  const json = JSON.parse(
    Testing.synthScope((scope) => {
      publication = new CdcPublication(scope, "Publication", {
        database: "shop",
        publicationName: "t_publication",
        slotName: "t_slot",
        tables: ["public.orders"],
        after: [],
      });
    }),
  );
  return { json, publication: publication as CdcPublication };
}

describe("CdcPublication (alone in a stack)", () => {
  const { json, publication } = synth();

  it("creates the publication and no replication slot (Debezium creates it, the connectors stack drops it)", () => {
    expect(Object.keys(json.resource)).toEqual(["postgresql_publication"]);
    expect(publication.slotName).toBe("t_slot");
  });

  it("forgets the slot it used to manage without dropping it (a removed block at its old address)", () => {
    // Where the slot was before: a ReplicationSlot with id "Slot" under the construct.
    const before = JSON.parse(
      Testing.synthScope((scope) => {
        new ReplicationSlot(new Construct(scope, "Publication"), "Slot", {
          name: "t_slot",
          database: "shop",
          plugin: "pgoutput",
        });
      }),
    );
    const [oldId] = Object.keys(before.resource.postgresql_replication_slot);
    expect(json.removed).toEqual([
      { from: `postgresql_replication_slot.${oldId}`, lifecycle: { destroy: false } },
    ]);
  });
});

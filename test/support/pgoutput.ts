/**
 * Decodes pgoutput (logical replication protocol, version 1) far enough to read row changes: relations,
 * inserts, updates and deletes with their old and new tuples. What Debezium receives, minus the rest.
 * @see https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
 */

export type Column = string | null | { unchangedToast: true };

export interface Relation {
  readonly id: number;
  readonly schema: string;
  readonly table: string;
  /** relreplident: d (default), f (full), n (nothing), i (index). */
  readonly replicaIdentity: string;
  readonly columns: readonly string[];
}

export type Change =
  | { readonly kind: "insert"; readonly relation: Relation; readonly newRow: Record<string, Column> }
  | {
      readonly kind: "update";
      readonly relation: Relation;
      /** Present with REPLICA IDENTITY FULL ('O'), or when the key changed ('K'); otherwise absent. */
      readonly oldRow?: Record<string, Column>;
      readonly oldKind?: "K" | "O";
      readonly newRow: Record<string, Column>;
    }
  | {
      readonly kind: "delete";
      readonly relation: Relation;
      /** 'O': the whole old row (FULL); 'K': only the key columns, the others null. */
      readonly oldKind: "K" | "O";
      readonly oldRow: Record<string, Column>;
    };

class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  byte(): string {
    return String.fromCharCode(this.buf.readUInt8(this.offset++));
  }
  int8(): number {
    return this.buf.readInt8(this.offset++);
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  skip(n: number): void {
    this.offset += n;
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.offset);
    const s = this.buf.toString("utf8", this.offset, end);
    this.offset = end + 1;
    return s;
  }
  bytes(n: number): string {
    const s = this.buf.toString("utf8", this.offset, this.offset + n);
    this.offset += n;
    return s;
  }
}

function tuple(r: Reader, relation: Relation): Record<string, Column> {
  const count = r.int16();
  const row: Record<string, Column> = {};
  for (let i = 0; i < count; i++) {
    const name = relation.columns[i] ?? `#${i}`;
    const kind = r.byte();
    if (kind === "n") row[name] = null;
    else if (kind === "u") row[name] = { unchangedToast: true };
    else if (kind === "t" || kind === "b") row[name] = r.bytes(r.int32());
    else throw new Error(`unknown tuple column kind ${kind}`);
  }
  return row;
}

/** Decodes the `data` column of pg_logical_slot_peek_binary_changes, in order. */
export function decodeChanges(messages: readonly Buffer[]): Change[] {
  const relations = new Map<number, Relation>();
  const changes: Change[] = [];
  const relationOf = (id: number) => {
    const relation = relations.get(id);
    if (!relation) throw new Error(`change for unknown relation ${id}`);
    return relation;
  };
  for (const message of messages) {
    const r = new Reader(message);
    const type = r.byte();
    switch (type) {
      case "R": {
        const id = r.int32();
        const schema = r.cstring();
        const table = r.cstring();
        const replicaIdentity = String.fromCharCode(r.int8());
        const count = r.int16();
        const columns: string[] = [];
        for (let i = 0; i < count; i++) {
          r.int8(); // flags (1 = part of the key)
          columns.push(r.cstring());
          r.skip(8); // type oid, type modifier
        }
        relations.set(id, { id, schema, table, replicaIdentity, columns });
        break;
      }
      case "I": {
        const relation = relationOf(r.int32());
        if (r.byte() !== "N") throw new Error("insert without new tuple");
        changes.push({ kind: "insert", relation, newRow: tuple(r, relation) });
        break;
      }
      case "U": {
        const relation = relationOf(r.int32());
        let marker = r.byte();
        let oldRow: Record<string, Column> | undefined;
        let oldKind: "K" | "O" | undefined;
        if (marker === "K" || marker === "O") {
          oldKind = marker;
          oldRow = tuple(r, relation);
          marker = r.byte();
        }
        if (marker !== "N") throw new Error("update without new tuple");
        const newRow = tuple(r, relation);
        changes.push(
          oldRow
            ? { kind: "update", relation, oldRow, oldKind, newRow }
            : { kind: "update", relation, newRow },
        );
        break;
      }
      case "D": {
        const relation = relationOf(r.int32());
        const oldKind = r.byte();
        if (oldKind !== "K" && oldKind !== "O") throw new Error(`delete with old tuple kind ${oldKind}`);
        changes.push({ kind: "delete", relation, oldKind, oldRow: tuple(r, relation) });
        break;
      }
      default:
        // B(egin), C(ommit), O(rigin), Y (type), T(runcate), M(essage): not row changes.
        break;
    }
  }
  return changes;
}

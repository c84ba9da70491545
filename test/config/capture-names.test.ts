import { describe, expect, it } from "vitest";
import { Naming } from "../../src/config/naming";
import {
  POSTGRES_15_RESERVED_WORDS,
  pgColumnName,
  pgDatabaseName,
  pgPublicationName,
  pgRoleName,
  pgSchemaName,
  pgSlotName,
  pgTableName,
  rdsMasterUsername,
} from "../../src/config/postgres-names";
import { problemsOf } from "../support/synth";

/** The first issue's message for `value`, or undefined when accepted. */
function refusal(builder: () => { safeParse: (v: unknown) => any }, value: string): string | undefined {
  const result = builder().safeParse(value);
  return result.success ? undefined : result.error.issues[0].message;
}

describe("PostgreSQL name rules (src/config/postgres-names.ts)", () => {
  it("embeds PostgreSQL 15's reserved words (categories R and T; checked against a server in test/postgres)", () => {
    expect(POSTGRES_15_RESERVED_WORDS).toHaveLength(100);
    expect(POSTGRES_15_RESERVED_WORDS).toEqual([...POSTGRES_15_RESERVED_WORDS].sort());
    expect(POSTGRES_15_RESERVED_WORDS).toEqual(
      expect.arrayContaining(["select", "user", "current_user", "left"]),
    );
  });

  it("refuses role names PostgreSQL or RDS reserves, in PostgreSQL's words", () => {
    expect(refusal(pgRoleName, "cdc_reader")).toBeUndefined();
    expect(refusal(pgRoleName, "pg_reader")).toBe(
      'expected a role name not starting with pg_ (PostgreSQL: role name "pg_reader" is reserved; role names starting with "pg_" are reserved)',
    );
    expect(refusal(pgRoleName, "public")).toBe(
      'expected a role name other than public and none (PostgreSQL: role name "public" is reserved)',
    );
    expect(refusal(pgRoleName, "none")).toContain('role name "none" is reserved');
    expect(refusal(pgRoleName, "rds_superuser")).toBe(
      "expected a role name other than rdsadmin and rds_* (RDS keeps those roles for itself)",
    );
    for (const word of ["current_user", "session_user", "current_role", "user", "select"]) {
      expect(refusal(pgRoleName, word), word).toMatch(
        new RegExp(
          `^expected a role name that is not a reserved word: "${word}" is reserved in PostgreSQL 15`,
        ),
      );
    }
    expect(refusal(pgRoleName, "CDC")).toBe(
      "expected a role name of lowercase letters, digits and _, not starting with a digit",
    );
    expect(refusal(pgRoleName, "a".repeat(64))).toBe(
      "expected a role name of at most 63 characters (PostgreSQL's NAMEDATALEN - 1)",
    );
  });

  it("applies RDS's rules to the master user and the database: a letter first, no reserved word", () => {
    expect(refusal(rdsMasterUsername, "msk_user")).toBeUndefined();
    expect(refusal(rdsMasterUsername, "_admin")).toBe(
      "expected a master user name of lowercase letters, digits and _, starting with a letter (RDS's rule)",
    );
    expect(refusal(rdsMasterUsername, "rdsadmin")).toContain("RDS keeps those roles for itself");
    expect(refusal(rdsMasterUsername, "user")).toContain('"user" is reserved in PostgreSQL 15');
    expect(refusal(pgDatabaseName, "msk_db")).toBeUndefined();
    expect(refusal(pgDatabaseName, "template1")).toBe(
      "expected a database of your own, not template1 (it exists in every RDS PostgreSQL instance)",
    );
    expect(refusal(pgDatabaseName, "table")).toContain('"table" is reserved in PostgreSQL 15');
    expect(refusal(pgDatabaseName, "1db")).toContain("starting with a letter");
  });

  it("refuses system schema names and reserved words as schemas, but not as tables or columns (always quoted)", () => {
    expect(refusal(pgSchemaName, "pg_cdc")).toBe(
      'expected a schema name not starting with pg_ (PostgreSQL: unacceptable schema name "pg_cdc"; the prefix "pg_" is reserved for system schemas)',
    );
    expect(refusal(pgSchemaName, "information_schema")).toContain("not information_schema");
    expect(refusal(pgSchemaName, "order")).toContain("Debezium's heartbeat query");
    expect(refusal(pgTableName, "user")).toBeUndefined();
    expect(refusal(pgTableName, "order")).toBeUndefined();
    expect(refusal(pgColumnName, "default")).toBeUndefined();
    expect(refusal(pgColumnName, "xmin")).toBe(
      'expected a column name other than tableoid, xmin, cmin, xmax, cmax, ctid, oid (PostgreSQL: column name "xmin" conflicts with a system column name)',
    );
  });

  it("refuses reserved words as publications: the provider writes CREATE PUBLICATION <name> unquoted", () => {
    expect(refusal(pgPublicationName, "cdc_publication")).toBeUndefined();
    expect(refusal(pgPublicationName, "select")).toContain(
      "the PostgreSQL provider's CREATE PUBLICATION <name> is",
    );
    // Type and function key words (category T) are no names there either.
    expect(refusal(pgPublicationName, "left")).toContain('"left" is reserved in PostgreSQL 15');
  });

  it("allows only [a-z0-9_] in slot names (PostgreSQL's rule), and no leading digit", () => {
    expect(refusal(pgSlotName, "cdc_slot_2")).toBeUndefined();
    for (const bad of ["Slot", "cdc-slot", "cdc.slot", "1slot"]) {
      expect(refusal(pgSlotName, bad), bad).toMatch(
        /^expected a replication slot name of lowercase letters, digits and _ \(PostgreSQL: replication slot names may only contain lower case letters, numbers, and the underscore character\)/,
      );
    }
  });

  it("is what capture's fields use, with the config's path in each message", () => {
    expect(
      problemsOf((d) => {
        d.capture.cdcRoleName = "pg_debezium";
        d.capture.publicationName = "select";
        d.capture.slotName = "1slot";
        d.capture.heartbeatSchema = "pg_heartbeat";
        d.capture.tableOwner = "public";
        d.capture.tables[0].schema = "user";
      }),
    ).toEqual([
      expect.stringMatching(
        /^capture\.tables\.0\.schema: got "user"; expected a schema name that is not a reserved word/,
      ),
      'capture.cdcRoleName: got "pg_debezium"; expected a role name not starting with pg_ (PostgreSQL: role name "pg_debezium" is reserved; role names starting with "pg_" are reserved)',
      expect.stringMatching(
        /^capture\.publicationName: got "select"; expected a publication name that is not a reserved word/,
      ),
      expect.stringMatching(
        /^capture\.slotName: got "1slot"; expected a replication slot name of lowercase letters/,
      ),
      expect.stringMatching(
        /^capture\.heartbeatSchema: got "pg_heartbeat"; expected a schema name not starting with pg_/,
      ),
      'capture.tableOwner: got "public"; expected a role name other than public and none (PostgreSQL: role name "public" is reserved)',
    ]);
  });

  it("derives valid names, except from a project named pg or rds (reported: naming.ts does not check this)", () => {
    const derived = (project: string, environment: string) => {
      const naming = new Naming(project, environment);
      return [
        refusal(pgRoleName, naming.defaultCdcRole()),
        refusal(pgPublicationName, naming.defaultPublication()),
        refusal(pgSlotName, naming.defaultReplicationSlot()),
      ].filter(Boolean);
    };
    // Derived names end in _cdc, _publication or _slot: never a key word, never a leading digit.
    for (const [project, environment] of [
      ["cdc-lake", "demo"],
      ["shop", "prod"],
      ["select", "user"],
      ["a1", "current-user"],
    ]) {
      expect(derived(project as string, environment as string), `${project}/${environment}`).toEqual([]);
    }
    expect(derived("pg", "demo")).toEqual([
      'expected a role name not starting with pg_ (PostgreSQL: role name "pg_demo_cdc" is reserved; role names starting with "pg_" are reserved)',
    ]);
    expect(derived("rds", "demo")).toEqual([
      "expected a role name other than rdsadmin and rds_* (RDS keeps those roles for itself)",
    ]);
  });
});

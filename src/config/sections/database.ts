import { z } from "zod";
import { parseCidr } from "../cidr";
import { addProblem, cidrBlock, distinct, SUPPORTED_POSTGRES_MAJORS } from "../fields";
import { pgDatabaseName, rdsMasterUsername } from "../postgres-names";

/** A host name or an IP address, as a connection string takes it. */
export const hostName = () =>
  z
    .string()
    .regex(
      /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9a-fA-F:]+$/,
      "expected a host name or IP address such as localhost or 127.0.0.1",
    );

/** The local end of a tunnel to a database the operator's machine cannot reach directly. */
export const ConnectThroughSchema = z
  .strictObject({
    host: hostName().describe("Host the tunnel listens on, e.g. localhost."),
    port: z.number().int().min(1).max(65535).describe("Port the tunnel listens on."),
  })
  .optional();

/** Operator networks wider than this need database.allowInternetIngress: a /8 is 16.7 million addresses. */
const WIDEST_OPERATOR_PREFIX = 8;

export const DatabaseSchema = z
  .strictObject({
    engineVersion: z
      .string()
      .regex(
        /^\d+$/,
        "expected a major version such as 15: RDS applies minor upgrades itself, and a pinned minor would make the next plan try to downgrade",
      )
      .default("15")
      .describe(
        "RDS PostgreSQL major version; RDS picks and upgrades the minor. The parameter group family " +
          "(postgres<major>) is derived from it.",
      ),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected an RDS instance class such as db.t3.micro")
      .default("db.t3.micro")
      .describe("RDS instance class (the default is demo-sized; raise it for production)."),
    allocatedStorageGiB: z
      .number()
      .int()
      .min(20, "expected at least 20 (the gp3 minimum)")
      .max(65536)
      .default(20)
      .describe("Storage in GiB (gp3, always encrypted)."),
    port: z.number().int().min(1150).max(65535).default(5432).describe("PostgreSQL port."),
    databaseName: pgDatabaseName().describe("Database that holds the captured tables. Required."),
    masterUsername: rdsMasterUsername()
      .default("cdc_admin")
      .describe(
        "RDS master user. Its password is generated and kept by RDS in Secrets Manager " +
          "(manage_master_user_password); no password is ever written in config or state.",
      ),
    publiclyAccessible: z
      .boolean()
      .default(false)
      .describe("Give the instance a public address, reachable only from allowedCidrs. Demo relaxation."),
    allowedCidrs: distinct(cidrBlock, "CIDR")
      .default([])
      .describe(
        "Operator networks allowed to reach PostgreSQL (e.g. your address from `curl ifconfig.io` as /32). " +
          `Blocks wider than /${WIDEST_OPERATOR_PREFIX} (0.0.0.0/0, 0.0.0.0/1…) are refused unless allowInternetIngress is true.`,
      ),
    allowInternetIngress: z
      .boolean()
      .default(false)
      .describe(
        `Explicit opt-in to let allowedCidrs contain blocks wider than /${WIDEST_OPERATOR_PREFIX}, up to 0.0.0.0/0.`,
      ),
    multiAz: z.boolean().default(true).describe("Standby in a second AZ."),
    deletionProtection: z.boolean().default(true).describe("Refuse to delete the instance."),
    skipFinalSnapshot: z
      .boolean()
      .default(false)
      .describe("Delete without a final snapshot. Demo relaxation."),
    backupRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(35)
      .default(7)
      .describe("Automated backup retention in days, 1 to 35."),
    performanceInsights: z
      .boolean()
      .default(true)
      .describe("Performance Insights (7 days, encrypted with the pipeline's key)."),
    logExports: distinct(z.enum(["postgresql", "upgrade", "iam-db-auth-error"]), "log")
      .default(["postgresql", "upgrade"])
      .describe("PostgreSQL logs exported to CloudWatch Logs."),
    connectThrough: ConnectThroughSchema.describe(
      "Where the database stack (provider and psql) connects instead of the RDS endpoint: the local end of " +
        "a tunnel to a private RDS, e.g. SSM port forwarding. TLS still applies. Default: the RDS endpoint.",
    ),
    maxSlotWalKeepSizeMiB: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "max_slot_wal_keep_size: WAL a replication slot may hold before PostgreSQL invalidates it, so a " +
          "stopped connector cannot fill the disk. Must be under half the storage. Default: a quarter of " +
          "allocatedStorageGiB.",
      ),
  })
  .superRefine((db, ctx) => {
    const major = engineMajor(db.engineVersion);
    // A malformed version already has its own message (this rule runs after format problems).
    if (/^\d+$/.test(db.engineVersion) && !(SUPPORTED_POSTGRES_MAJORS as readonly number[]).includes(major)) {
      addProblem(
        ctx,
        ["engineVersion"],
        `got "${db.engineVersion}"; expected major version ${SUPPORTED_POSTGRES_MAJORS.join(", ")}`,
      );
    }
    db.allowedCidrs.forEach((text, i) => {
      const prefix = parseCidr(text)?.prefixLength;
      if (prefix !== undefined && prefix < WIDEST_OPERATOR_PREFIX && !db.allowInternetIngress) {
        const share = prefix === 0 ? "the whole internet" : `1/${2 ** prefix} of the internet`;
        addProblem(
          ctx,
          ["allowedCidrs", i],
          `got "${text}" (${share}); expected your own network, e.g. <your IP>/32, or set database.allowInternetIngress: true`,
        );
      }
    });
    if (db.publiclyAccessible && db.allowedCidrs.length === 0) {
      addProblem(
        ctx,
        ["allowedCidrs"],
        "got none while publiclyAccessible is true; expected at least one operator CIDR (e.g. <your IP>/32), or set publiclyAccessible: false",
      );
    }
    const cap = walCapMiB(db);
    const storageMiB = db.allocatedStorageGiB * 1024;
    if (cap * 2 > storageMiB) {
      addProblem(
        ctx,
        ["maxSlotWalKeepSizeMiB"],
        `got ${cap}; expected at most ${storageMiB / 2} (half of allocatedStorageGiB ${db.allocatedStorageGiB}), so retained WAL cannot fill the disk`,
      );
    }
  })
  .describe("The RDS PostgreSQL instance that is the source of change data.");

export function engineMajor(engineVersion: string): number {
  return Number(engineVersion.split(".")[0]);
}

/** max_slot_wal_keep_size: as configured, else a quarter of the storage. */
export function walCapMiB(db: { maxSlotWalKeepSizeMiB?: number | undefined; allocatedStorageGiB: number }) {
  return db.maxSlotWalKeepSizeMiB ?? Math.floor((db.allocatedStorageGiB * 1024) / 4);
}

import { createHash } from "node:crypto";
// biome-ignore lint/style/noRestrictedImports: writes the stack's SQL file during app.synth() only (onSynthesize below, as cdktf's TerraformAsset does); building the app stays free of I/O.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataResource, type ITerraformDependable, TerraformStack } from "cdktf";
// Not re-exported by the package's index in cdktf 0.21; TerraformAsset writes its files the same way.
import { addCustomSynthesis } from "cdktf/lib/synthesize/synthesizer";
import { Construct } from "constructs";
import { type PostgresConnection, PSQL, psqlEnvironment } from "./psql-step";

/** Folder of the SQL files, inside the synthesized stack's folder (beside cdk.tf.json). */
export const SQL_DIR = "sql";

/** A script's name: a fixed word of our code, used in a file name and in Terraform expressions. */
const SCRIPT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface PsqlScriptProps {
  /** Names the file, `sql/<name>-<16 hex of the SQL's sha256>.sql`. */
  readonly name: string;
  /** What psql runs, as written: a file's content is not a Terraform template, nothing is escaped. */
  readonly sql: string;
  readonly connection: PostgresConnection;
  /** What the server's pg_stat_activity shows for psql's session. */
  readonly applicationName: string;
  /**
   * What else re-runs the script when it changes (e.g. the database instance's id); the SQL's sha256 is
   * added as `sql_sha256`.
   */
  readonly triggersReplace: Record<string, string>;
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * SQL applied with psql from a `terraform_data`, read from a file synthesized beside the stack.
 *
 * The SQL used to reach psql through environment variables; Linux refuses one variable or argument over
 * 128 KiB (E2BIG), so hundreds of tables needed chunks. A file has no such limit, and psql reads it with
 * `-f`. The only bound left is PostgreSQL's own on one statement (1 GB, MaxAllocSize), far above any
 * script this project renders: no size cap here.
 *
 * The file sits in the stack's folder (`${path.module}/sql/`), named by its content's hash, and the
 * resource's precondition compares its sha256 with the one synthesized: a plan or apply run elsewhere
 * than in the synthesized folder, or after the file was edited, stops before psql runs. The file name
 * and hash are fixed at synth, and the resource is replaced (the script re-run) when the SQL changes.
 *
 * The terraform_data's id is `Default`, which cdktf leaves out of the logical id: a PsqlScript with id
 * `Resource` under a construct keeps the Terraform address a plain `DataResource` with that id had.
 */
export class PsqlScript extends Construct {
  readonly resource: DataResource;
  readonly sql: string;
  readonly sha256: string;
  /** `<name>-<16 hex>.sql`, in the stack folder's `sql/`. */
  readonly fileName: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: PsqlScriptProps) {
    super(scope, id);
    if (!SCRIPT_NAME.test(props.name)) {
      throw new Error(
        `${this.node.path}: script name got ${JSON.stringify(props.name)}; expected lowercase words joined by hyphens`,
      );
    }
    const stack = TerraformStack.of(this);
    this.name = props.name;
    this.sql = props.sql;
    this.sha256 = createHash("sha256").update(props.sql, "utf8").digest("hex");
    this.fileName = `${props.name}-${this.sha256.slice(0, 16)}.sql`;
    // Terraform resolves path.module to the folder of cdk.tf.json; the name holds nothing to escape.
    const file = `\${path.module}/${SQL_DIR}/${this.fileName}`;
    const actual = `try(filesha256("${file}"), "")`;

    this.resource = new DataResource(this, "Default", {
      triggersReplace: { ...props.triggersReplace, sql_sha256: this.sha256 },
      dependsOn: props.dependsOn,
      lifecycle: {
        precondition: [
          {
            // try(): filesha256 fails on a missing file, and `&&`/`||` do not short-circuit in Terraform 1.11.
            condition: `\${${actual} == "${this.sha256}"}`,
            errorMessage: `${SQL_DIR}/${this.fileName}: got sha256 "\${${actual}}" ("" when there is no such file); expected ${this.sha256}, the SQL synthesized with this stack. Run synth again and run terraform in the synthesized stack's folder (where cdk.tf.json and ${SQL_DIR}/ are), without editing the file.`,
          },
        ],
      },
      provisioners: [
        {
          type: "local-exec",
          interpreter: ["/bin/sh", "-c"],
          command: `${PSQL} -f "$CDC_SQL_FILE"`,
          environment: {
            CDC_SQL_FILE: file,
            ...psqlEnvironment(props.connection, props.applicationName),
          },
        },
      ],
    });

    addCustomSynthesis(this, {
      onSynthesize: (session) => {
        const manifest = session.manifest.forStack(stack);
        // As cdktf's TerraformAsset does: the stack's folder is the one holding its synthesized JSON.
        const dir = join(session.manifest.outdir, manifest.synthesizedStackPath, "..", SQL_DIR);
        mkdirSync(dir, { recursive: true });
        // Earlier versions of the stack's scripts only mislead a reader: keep the files its scripts use now.
        const current = new Set(
          stack.node
            .findAll()
            .filter((c): c is PsqlScript => c instanceof PsqlScript)
            .map((c) => c.fileName),
        );
        for (const name of readdirSync(dir)) {
          if (/^[a-z0-9-]+-[0-9a-f]{16}\.sql$/.test(name) && !current.has(name))
            rmSync(join(dir, name), { force: true });
        }
        writeFileSync(join(dir, this.fileName), this.sql, "utf8");
      },
    });
  }
}

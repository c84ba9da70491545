/**
 * Issue 12 item 2 ("many tables"): one source capturing 500 tables across 20 schemas, with the longest names
 * PostgreSQL allows, must synthesize within what IAM, Kafka, Kafka Connect and the shell accept.
 */
import { afterAll, describe, expect, it } from "vitest";
import { changeTopicNameProblem, KAFKA_TOPIC_MAX_LENGTH } from "../../src/config/cross-field-rules";
import {
  CONNECT_CONFIG_FIXED_RESERVE_BYTES,
  CONNECT_CONFIG_RECORD_MAX_BYTES,
  connectorConfigurationProblem,
} from "../../src/stacks/connectors-stack";
import { captureSqlStep } from "../support/rds-emulation";
import { demoWith, managedCapture, problemsOf, synthesize, type TerraformJson } from "../support/synth";

const SCHEMAS = 20;
const TABLES_PER_SCHEMA = 25;
/** PostgreSQL's longest name (NAMEDATALEN - 1). */
const PG_NAME = 63;
const pad = (name: string) => name.padEnd(PG_NAME, "x");

/** 500 application-owned tables (no columns: they exist already), 25 in each of 20 schemas, 63-character names. */
function manyTables(schemas = SCHEMAS, perSchema = TABLES_PER_SCHEMA) {
  const tables: { schema: string; table: string; replicaIdentity: string }[] = [];
  for (let s = 0; s < schemas; s++) {
    for (let t = 0; t < perSchema; t++) {
      tables.push({ schema: pad(`s${s}_`), table: pad(`t${t}_`), replicaIdentity: "full" });
    }
  }
  return tables;
}

/** IAM's limit on the sum of a role's inline policies, white space not counted. */
const ROLE_INLINE_POLICIES_MAX = 10_240;
const REGION = "ap-southeast-7"; // as long as any region's name (14)
const ACCOUNT = "123456789012";
const PARTITION = "aws-us-gov"; // the longest partition
const CLUSTER = `${"c".repeat(64)}/${"0".repeat(8)}-${"0".repeat(4)}-${"0".repeat(4)}-${"0".repeat(4)}-${"0".repeat(12)}-25`;
const kafkaArn = (kind: string) => `arn:${PARTITION}:kafka:${REGION}:${ACCOUNT}:${kind}/${CLUSTER}`;

/**
 * The longest realistic value of a Terraform expression in a policy document. An expression it does not
 * know fails the test, so a new kind of reference is measured, not guessed.
 */
function worstCase(expression: string): string {
  const element = /element\(split\(\\?":\\?", .*\), (\d)\)/.exec(expression);
  if (element) return { "1": PARTITION, "3": REGION, "4": ACCOUNT }[element[1] as "1" | "3" | "4"];
  const replaced = /^replace\(.*aws_msk_cluster.*arn, \\?":cluster\/\\?", \\?":(topic|group)\/\\?"\)$/.exec(
    expression,
  );
  if (replaced) return kafkaArn(replaced[1] as string);
  if (/aws_msk_cluster.*arn$/.test(expression)) return kafkaArn("cluster");
  // Secrets Manager: a name of up to 512 characters and its 6-character suffix.
  if (/secret_arn$/.test(expression))
    return `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${"n".repeat(512)}-abcdef`;
  if (/aws_s3_bucket.*arn$/.test(expression)) return `arn:${PARTITION}:s3:::${"b".repeat(63)}`;
  if (/aws_kms_key.*arn$/.test(expression))
    return `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/mrk-${"0".repeat(32)}`;
  if (/aws_cloudwatch_log_group.*arn$/.test(expression))
    return `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${"l".repeat(512)}:*`;
  throw new Error(`no worst case known for \${${expression}}`);
}

/** `text` with every `${…}` (not the escaped `$${…}`) replaced by its worst case. */
function resolved(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith("$${", i)) {
      out += "${";
      i += 2;
    } else if (text.startsWith("${", i)) {
      let depth = 0;
      let j = i + 2;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && depth-- === 0) break;
      }
      out += worstCase(text.slice(i + 2, j));
      i = j;
    } else {
      out += text[i];
    }
  }
  return out;
}

/** A policy document data source as the JSON IAM receives, compact (IAM does not count white space). */
function policyJson(document: TerraformJson): string {
  const statements = (document.statement as TerraformJson[]).map((s) => ({
    ...(s.sid ? { Sid: s.sid } : {}),
    Effect: s.effect ?? "Allow",
    ...(s.actions ? { Action: s.actions } : {}),
    ...(s.not_actions ? { NotAction: s.not_actions } : {}),
    ...(s.resources ? { Resource: s.resources } : {}),
    ...(s.not_resources ? { NotResource: s.not_resources } : {}),
    ...(s.principals
      ? {
          Principal: Object.fromEntries(
            (s.principals as TerraformJson[]).map((p) => [p.type, p.identifiers]),
          ),
        }
      : {}),
    ...(s.condition
      ? {
          Condition: Object.fromEntries(
            (s.condition as TerraformJson[]).map((c) => [c.test, { [c.variable]: c.values }]),
          ),
        }
      : {}),
  }));
  return resolved(JSON.stringify({ Version: "2012-10-17", Statement: statements }));
}

/** Sum of each role's inline policies (aws_iam_role_policy), worst case, keyed by stack and role. */
function inlinePolicySizes(stacks: Record<string, TerraformJson>): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const [name, stack] of Object.entries(stacks)) {
    const documents = (stack.data?.aws_iam_policy_document ?? {}) as Record<string, TerraformJson>;
    for (const policy of Object.values(
      (stack.resource?.aws_iam_role_policy ?? {}) as Record<string, TerraformJson>,
    )) {
      const ref = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(policy.policy);
      const text = ref ? policyJson(documents[ref[1] as string] as TerraformJson) : resolved(policy.policy);
      const role = `${name} ${policy.role}`;
      sizes[role] = (sizes[role] ?? 0) + text.length;
    }
  }
  return sizes;
}

describe("500 tables across 20 schemas in one source", () => {
  const tables = manyTables();
  const config = demoWith((data) => {
    data.capture.tables = tables;
  });
  const synthesized = synthesize(config);
  afterAll(() => synthesized.cleanup());
  const { stacks } = synthesized;
  const connectors = stacks["demo-connectors"] as TerraformJson;

  it("captures every table, then the canary", () => {
    expect(managedCapture(config).tables).toHaveLength(500);
    expect(new Set(managedCapture(config).tables.map((t) => t.schema)).size).toBe(20);
    const debezium = Object.values<TerraformJson>(connectors.resource.aws_mskconnect_connector).find((c) =>
      c.connector_configuration["connector.class"]?.includes("Postgres"),
    ) as TerraformJson;
    const included = debezium.connector_configuration["table.include.list"].split(",");
    expect(included).toHaveLength(501);
    expect(included).toEqual([...tables.map((t) => `${t.schema}.${t.table}`), "cdc.cdc_lake_canary"]);
  });

  it("keeps every role's inline policies under IAM's 10,240 characters, with ARNs at their longest", () => {
    const sizes = inlinePolicySizes(stacks);
    const roles = Object.keys(sizes);
    expect(roles.filter((r) => r.startsWith("demo-connectors"))).toHaveLength(2);
    for (const [role, size] of Object.entries(sizes)) {
      expect({ role, size, under: size < ROLE_INLINE_POLICIES_MAX }).toEqual({ role, size, under: true });
    }
  });

  it("keeps every argument and environment value of the database stack's commands under 100 KB", () => {
    const database = stacks["demo-database"] as TerraformJson;
    const strings: { where: string; bytes: number }[] = [];
    for (const [type, resources] of Object.entries<Record<string, TerraformJson>>(database.resource ?? {})) {
      for (const [id, resource] of Object.entries(resources)) {
        for (const provisioner of (resource.provisioner ?? []) as TerraformJson[]) {
          const exec = provisioner["local-exec"];
          if (!exec) continue;
          const values: [string, string][] = [
            ["command", exec.command],
            ...((exec.interpreter ?? []) as string[]).map((v, i): [string, string] => [
              `interpreter[${i}]`,
              v,
            ]),
            ...Object.entries<string>(exec.environment ?? {}),
          ];
          for (const [key, value] of values) {
            // Every value as written: the SQL is not among them, and `$${` escapes are never shorter than
            // what the process receives; references are short values (a host, a port, a password).
            strings.push({ where: `${type}.${id} ${key}`, bytes: Buffer.byteLength(String(value), "utf8") });
          }
        }
      }
    }
    expect(strings.length).toBeGreaterThan(0);
    expect(strings.filter((s) => s.bytes > 100 * 1024)).toEqual([]);
    // The 500 tables' SQL, which Linux would refuse as one variable (E2BIG), reaches psql as a file.
    const step = captureSqlStep(database, synthesized.stackDir("demo-database"));
    expect(Buffer.byteLength(step.sql)).toBeGreaterThan(128 * 1024);
    expect(step.sql).toContain(
      `('${pad("s19_")}', '${pad("t24_")}', '"${pad("s19_")}"."${pad("t24_")}"', 'f')`,
    );
    expect(step.environment.CDC_SQL_FILE).toBe(`\${path.module}/sql/${step.fileName}`);
    expect(strings.find((s) => s.where.endsWith("CDC_SQL_FILE"))?.bytes).toBeLessThan(100);
  });
});

describe("limits refused at synth, in the receiving system's words", () => {
  it("accepts the longest change topic the config allows (228 characters)", () => {
    const problems = problemsOf((data) => {
      data.capture.topicPrefix = "p".repeat(100);
      data.capture.tables = [{ schema: pad("s_"), table: pad("t_") }];
    });
    expect(problems).toEqual([]);
    expect(changeTopicNameProblem("p".repeat(100), { schema: pad("s_"), table: pad("t_") })).toBeUndefined();
  });

  it("fails if a change topic's name is over Kafka's 249 characters", () => {
    const prefix = "p".repeat(KAFKA_TOPIC_MAX_LENGTH - 2 * PG_NAME - 1);
    const table = { schema: pad("s_"), table: pad("t_") };
    expect(changeTopicNameProblem(prefix, table)).toBe(
      `got ${table.schema}.${table.table}, whose change topic "${prefix}.${table.schema}.${table.table}" would be 250 characters; ` +
        `expected at most 249 (Kafka's limit on a topic name <topicPrefix>.<schema>.<table>): ` +
        `shorten the topic prefix ("${prefix}", 122 characters) or the names`,
    );
    expect(changeTopicNameProblem(prefix.slice(1), table)).toBeUndefined();
  });

  it("fails if the connector configuration outgrows one Kafka Connect record", () => {
    const tables = manyTables(100, 90); // 9,000 tables, 128 bytes each in table.include.list
    const topics = tables.map((t) => `demo.${t.schema}.${t.table}`);
    expect(connectorConfigurationProblem(tables, topics)).toBe(
      "capture.tables: got 9000 tables; the Debezium source's table.include.list would be 1,151,999 bytes, " +
        "over the 1,032,192 a connector configuration has room for (Kafka Connect stores it as one record of at " +
        "most 1,048,576 bytes, the producer's max.request.size): capture fewer tables, or shorter names, per pipeline",
    );
    expect(CONNECT_CONFIG_RECORD_MAX_BYTES - CONNECT_CONFIG_FIXED_RESERVE_BYTES).toBe(1_032_192);
  });

  it("fails on the sink's topics when they alone outgrow the record", () => {
    const tables = manyTables(100, 78); // 7,800 tables: table.include.list fits, their topics do not
    const topics = tables.map((t) => `${"p".repeat(100)}.${t.schema}.${t.table}`);
    expect(connectorConfigurationProblem(tables, topics)).toMatch(
      /^capture\.tables: got 7800 tables; the S3 sink's topics would be 1,786,199 bytes, over the 1,032,192 /,
    );
  });

  it("accepts 500 tables with the longest names", () => {
    const tables = manyTables();
    const topics = tables.map((t) => `${"p".repeat(100)}.${t.schema}.${t.table}`);
    expect(connectorConfigurationProblem(tables, topics)).toBeUndefined();
  });
});

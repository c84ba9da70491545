import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/cli/load-config";
import { Naming } from "../../src/config/naming";
import {
  type OutputsByStack,
  readOutputsFile,
  readStateOutputs,
  type VerifyOutputs,
  verifyOutputsOf,
} from "../../src/verify/outputs";
import { demoWith } from "../support/synth";
import {
  CDC_SECRET_ARN,
  DEBEZIUM_ARN,
  demoOutputs,
  LAKE_BUCKET,
  MASTER_SECRET_ARN,
  SINK_ARN,
  tfstate,
} from "./fixtures";
import { type S3StandIn, startS3 } from "./s3-stand-in";

const config = loadConfigFile("config/demo.yaml");
const naming = new Naming(config.project, config.environment);

const EXPECTED: VerifyOutputs = {
  bucket: LAKE_BUCKET,
  rds: { address: "cdc-lake-demo-postgres.c0a1b2c3d4e5.us-east-1.rds.amazonaws.com", port: 5432 },
  masterUserSecretArn: MASTER_SECRET_ARN,
  sources: {
    managed: {
      cdcSecretArn: CDC_SECRET_ARN,
      cdcSecretName: "cdc-lake-demo/postgres/cdc_lake_demo_cdc-2024",
      heartbeatTable: "cdc.debezium_heartbeat",
      publicationName: "cdc_lake_demo_publication",
      replicationSlotName: "cdc_lake_demo_slot",
    },
  },
  debeziumConnectorArns: { managed: DEBEZIUM_ARN },
  sinkConnectorArn: SINK_ARN,
  changeTopics: ["cdc-lake-demo.public.student", "cdc-lake-demo.cdc.cdc_lake_canary"],
  lakeQuery: { database: "cdc_lake_demo_lake", workgroup: "cdc-lake-demo-lake" },
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cdc-lake-verify-outputs-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJson(name: string, data: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof data === "string" ? data : JSON.stringify(data));
  return file;
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

describe("--outputs <file>", () => {
  it("reads {stack: {output: value}} into the values the checks use", () => {
    const byStack = readOutputsFile(writeJson("outputs.json", demoOutputs()), naming);
    expect(verifyOutputsOf(byStack, config, naming)).toEqual(EXPECTED);
  });

  it("reads the per-stack shape of terraform output -json too", () => {
    const wrapped = Object.fromEntries(
      Object.entries(demoOutputs()).map(([stack, outputs]) => [
        stack,
        Object.fromEntries(
          Object.entries(outputs).map(([k, value]) => [k, { sensitive: false, type: "dynamic", value }]),
        ),
      ]),
    );
    const byStack = readOutputsFile(writeJson("wrapped.json", wrapped), naming);
    expect(verifyOutputsOf(byStack, config, naming)).toEqual(EXPECTED);
  });

  it("fails naming the missing stack and the fix", () => {
    const { "demo-database": _, ...rest } = demoOutputs();
    const file = writeJson("no-database.json", rest);
    expect(errorOf(() => readOutputsFile(file, naming))).toBe(
      `--outputs ${file}: no "demo-database" key; expected the outputs of demo-platform, demo-database, demo-connectors ` +
        "(apply the database stack first (npm run deploy -- apply demo-database), then terraform output -json)",
    );
  });

  it("fails on a file that is not JSON, without quoting it", () => {
    const file = writeJson("broken.json", '{"demo-platform": {"password": "hunter2"');
    const message = errorOf(() => readOutputsFile(file, naming));
    expect(message).toBe(
      `--outputs ${file}: not valid JSON; expected {"demo-platform": {"<output>": value}, …}`,
    );
  });

  it("fails on a missing file", () => {
    const file = join(dir, "absent.json");
    expect(errorOf(() => readOutputsFile(file, naming))).toBe(
      `--outputs ${file}: not readable (ENOENT); expected a JSON file {"<stack>": {"<output>": value}}`,
    );
  });

  it.each([
    ["database", "sources"],
    // Read only with query.enabled (the demo's), and then required.
    ["connectors", "athena_workgroup"],
  ])("fails naming a missing output, where it looked, and the stack to apply (%s %s)", (kind, output) => {
    const data = demoOutputs();
    delete data[`demo-${kind}`]?.[output];
    const file = writeJson(`no-${output}.json`, data);
    expect(errorOf(() => verifyOutputsOf(readOutputsFile(file, naming), config, naming))).toBe(
      `demo-${kind}: no output "${output}" in ${file} (demo-${kind}); expected it once the stack is applied: ` +
        `apply the ${kind} stack first (npm run deploy -- apply demo-${kind})`,
    );
  });

  it("reads no lake database or workgroup without query.enabled", () => {
    const data = demoOutputs();
    delete data["demo-connectors"]?.athena_workgroup;
    delete data["demo-connectors"]?.lake_database;
    const noQuery = { ...config, query: { ...config.query, enabled: false } };
    const file = writeJson("no-lake.json", data);
    expect(verifyOutputsOf(readOutputsFile(file, naming), noQuery, naming).lakeQuery).toBeUndefined();
  });

  it("fails naming a mistyped value: got X; expected Y", () => {
    const data: Record<string, any> = demoOutputs();
    data["demo-platform"].rds.port = "five";
    data["demo-database"].sources.managed.cdcSecretArn = 42;
    const file = writeJson("mistyped.json", data);
    expect(errorOf(() => verifyOutputsOf(readOutputsFile(file, naming), config, naming))).toBe(
      `demo-platform output rds.port (${file} (demo-platform)): got a string; expected a port number`,
    );
    data["demo-platform"].rds.port = "5432";
    writeJson("mistyped.json", data);
    expect(errorOf(() => verifyOutputsOf(readOutputsFile(file, naming), config, naming))).toBe(
      `demo-database output sources.managed.cdcSecretArn (${file} (demo-database)): got a number; expected a non-empty string`,
    );
  });
});

describe("local state (state.backend local)", () => {
  const write = (cwd: string, stacks: Record<string, Record<string, unknown>>) => {
    mkdirSync(join(cwd, "state"), { recursive: true });
    for (const [stack, outputs] of Object.entries(stacks)) {
      writeFileSync(join(cwd, "state", `${stack}.tfstate`), tfstate(outputs));
    }
  };

  it("reads each stack's <directory>/<stack>.tfstate relative to the project root", async () => {
    const cwd = mkdtempSync(join(dir, "root-"));
    write(cwd, demoOutputs());
    const byStack = await readStateOutputs(config.state, naming, { cwd });
    expect(byStack.database.from).toBe(join(cwd, "state", "demo-database.tfstate"));
    expect(verifyOutputsOf(byStack, config, naming)).toEqual(EXPECTED);
  });

  it("fails naming the state file it looked for and the stack to apply", async () => {
    const cwd = mkdtempSync(join(dir, "root-"));
    const { "demo-database": _, ...rest } = demoOutputs();
    write(cwd, rest);
    await expect(readStateOutputs(config.state, naming, { cwd })).rejects.toThrow(
      `no state file ${join(cwd, "state", "demo-database.tfstate")} (state.backend local, directory state): ` +
        "apply the database stack first (npm run deploy -- apply demo-database), or pass --outputs <file>",
    );
  });

  it("fails on a state file that holds no outputs", async () => {
    const cwd = mkdtempSync(join(dir, "root-"));
    write(cwd, demoOutputs());
    writeFileSync(join(cwd, "state", "demo-connectors.tfstate"), JSON.stringify({ version: 4 }));
    await expect(readStateOutputs(config.state, naming, { cwd })).rejects.toThrow(
      `${join(cwd, "state", "demo-connectors.tfstate")}: no "outputs" object; expected a Terraform state ` +
        "(apply the connectors stack first (npm run deploy -- apply demo-connectors))",
    );
  });
});

describe("S3 state (state.backend s3), from a local S3 stand-in", () => {
  const s3Config = demoWith((d) => {
    d.state = { backend: "s3", bucket: "team-tf-state", keyPrefix: "pipelines/demo" };
  });
  let s3: S3StandIn;
  beforeAll(async () => {
    s3 = await startS3(["team-tf-state"]);
  });
  afterAll(async () => s3?.close());
  afterEach(() => {
    s3.requests.length = 0;
  });

  it("reads each stack's <keyPrefix>/<stack>.tfstate", async () => {
    for (const [stack, outputs] of Object.entries(demoOutputs())) {
      s3.put("team-tf-state", `pipelines/demo/${stack}.tfstate`, tfstate(outputs));
    }
    const byStack: OutputsByStack = await readStateOutputs(s3Config.state, naming, {
      cwd: dir,
      s3: s3.client,
    });
    expect(byStack.platform.from).toBe("s3://team-tf-state/pipelines/demo/demo-platform.tfstate");
    expect(verifyOutputsOf(byStack, s3Config, naming)).toEqual(EXPECTED);
  });

  it("fails naming the state object it looked for and the stack to apply", async () => {
    const empty = demoWith((d) => {
      d.state = { backend: "s3", bucket: "team-tf-state", keyPrefix: "elsewhere" };
    });
    await expect(readStateOutputs(empty.state, naming, { cwd: dir, s3: s3.client })).rejects.toThrow(
      "no state object s3://team-tf-state/elsewhere/demo-platform.tfstate (state.backend s3): " +
        "apply the platform stack first (npm run deploy -- apply demo-platform), or pass --outputs <file>",
    );
  });

  it("fails with the credentials fix when the bucket cannot be read", async () => {
    const other = demoWith((d) => {
      d.state = { backend: "s3", bucket: "no-such-state", keyPrefix: "p" };
    });
    await expect(readStateOutputs(other.state, naming, { cwd: dir, s3: s3.client })).rejects.toThrow(
      "state object s3://no-such-state/p/demo-platform.tfstate not readable (NoSuchBucket: The specified bucket does not exist): " +
        "check your AWS credentials (s3:GetObject on it, kms:Decrypt for its key, region us-east-1), or pass --outputs <file>",
    );
  });
});

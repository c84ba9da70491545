import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataResource, TerraformResource, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import {
  ReplicationSlotLifecycle,
  type ReplicationSlotLifecycleProps,
  SLOT_DROP_POLL_SECONDS,
} from "../../src/constructs/postgres/replication-slot-lifecycle";
import { PROJECT_ROOT } from "../support/cli";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t/postgres/t_cdc-AbCdEf";
const PROPS: ReplicationSlotLifecycleProps = {
  slotName: "t_slot",
  connection: { host: "db.example", port: 5432, database: "shop" },
  credentialsSecretArn: SECRET_ARN,
  region: "eu-west-1",
};

function synth(props: Partial<ReplicationSlotLifecycleProps> = {}, withReader = false): Record<string, any> {
  return JSON.parse(
    Testing.synthScope((scope) => {
      const lifecycle = new ReplicationSlotLifecycle(scope, "ReplicationSlot", { ...PROPS, ...props });
      if (withReader) {
        const earlier = new DataResource(scope, "Earlier", { input: { x: 1 } });
        const reader = new TerraformResource(scope, "Connector", {
          terraformResourceType: "aws_mskconnect_connector",
          dependsOn: [earlier],
        });
        lifecycle.readBy(reader);
      }
    }),
  );
}

const only = (json: Record<string, any>) => {
  const all = Object.entries<Record<string, any>>(json.resource.terraform_data);
  expect(all).toHaveLength(1);
  return all[0] as [string, Record<string, any>];
};
const asWritten = (text: string) => text.replaceAll("$${", "${").replaceAll("%%{", "%{");

describe("ReplicationSlotLifecycle (alone in a stack)", () => {
  const [logicalId, resource] = only(synth());
  const provisioners = resource.provisioner as Record<string, any>[];
  const exec = provisioners[0]?.["local-exec"];

  it("does nothing when created, and drops the slot when destroyed", () => {
    expect(provisioners).toHaveLength(1);
    expect(exec).toMatchObject({
      when: "destroy",
      interpreter: ["/bin/sh", "-c"],
      command: 'eval "$CDC_DROP_SLOT_SH"',
    });
  });

  it("keeps the connection, and no secret, in its input", () => {
    expect(resource.input).toEqual({
      slot_name: "t_slot",
      host: "db.example",
      port: 5432,
      database: "shop",
      credentials_secret_arn: SECRET_ARN,
      region: "eu-west-1",
    });
  });

  it("reads everything else of the deployment through self only (all a destroy provisioner may use)", () => {
    const references = JSON.stringify(exec).match(/(?<!\$)\$\{[^}]*\}/g);
    expect(references?.sort()).toEqual([
      "${self.input.credentials_secret_arn}",
      "${self.input.database}",
      "${self.input.host}",
      "${self.input.port}",
      "${self.input.region}",
      "${self.input.slot_name}",
    ]);
    expect(exec.environment).toMatchObject({
      CDC_SLOT: "${self.input.slot_name}",
      CDC_SECRET_ARN: "${self.input.credentials_secret_arn}",
      CDC_SECRET_REGION: "${self.input.region}",
      PGHOST: "${self.input.host}",
      PGPORT: "${self.input.port}",
      PGDATABASE: "${self.input.database}",
      PGSSLMODE: "require",
      PGCONNECT_TIMEOUT: "15",
    });
  });

  it("reads the password from the secret when destroy runs, never from its configuration", () => {
    expect(Object.keys(exec.environment)).not.toContain("PGPASSWORD");
    expect(Object.keys(exec.environment)).not.toContain("PGUSER");
    const script = asWritten(exec.environment.CDC_DROP_SLOT_SH);
    expect(script).toContain(
      'secret=$(aws secretsmanager get-secret-value --region "$CDC_SECRET_REGION" --secret-id "$CDC_SECRET_ARN" --query SecretString --output text)',
    );
    expect(script).toContain('PGPASSWORD=$(printf \'%s\' "$secret" | node -e "$CDC_JSON_FIELD" password)');
  });

  it("drops with the very SQL of scripts/drop-replication-slot.sh, retrying only while the slot is active", () => {
    const sql = readFileSync(join(PROJECT_ROOT, "src/sql/drop-replication-slot.sql"), "utf8");
    expect(asWritten(exec.environment.CDC_DROP_SQL)).toBe(sql);
    expect(readFileSync(join(PROJECT_ROOT, "scripts/drop-replication-slot.sh"), "utf8")).toContain(
      "src/sql/drop-replication-slot.sql",
    );
    const script = asWritten(exec.environment.CDC_DROP_SLOT_SH);
    expect(script).toContain('3:*"is still active"* | 3:*"is active for PID"*) ;;');
    expect(script).not.toMatch(/pg_terminate_backend|pg_cancel_backend/);
  });

  it("waits 300 s by default for the reader to go, asking every 2 s", () => {
    expect(exec.environment.CDC_WAIT_SECONDS).toBe("300");
    expect(exec.environment.CDC_POLL_SECONDS).toBe(String(SLOT_DROP_POLL_SECONDS));
    expect(SLOT_DROP_POLL_SECONDS).toBe(2);
    const [, quick] = only(synth({ readerGoneTimeoutSeconds: 30 }));
    expect(quick.provisioner[0]["local-exec"].environment.CDC_WAIT_SECONDS).toBe("30");
  });

  it("names its own address in the way out for a database that is gone", () => {
    expect(exec.environment.CDC_ADDRESS).toBe(`terraform_data.${logicalId}`);
    expect(asWritten(exec.environment.CDC_DROP_SLOT_SH)).toContain("terraform state rm '$CDC_ADDRESS'");
  });

  it("escapes Terraform's template markers in its scripts", () => {
    expect(exec.environment.CDC_DROP_SLOT_SH).toContain("after $${waited}s");
    for (const key of ["CDC_DROP_SLOT_SH", "CDC_DROP_SQL", "CDC_JSON_FIELD"]) {
      expect(exec.environment[key], key).not.toMatch(/(?<!\$)\$\{|(?<!%)%\{/);
    }
  });

  it("replaces itself (dropping the old slot) for another slot or database, not for another way in", () => {
    expect(resource.triggers_replace).toEqual({ slot_name: "t_slot", database: "shop" });
  });

  it("orders its reader after it, keeping the reader's other dependencies", () => {
    const json = synth({}, true);
    const slotId = Object.keys(json.resource.terraform_data).find((k) => k.startsWith("ReplicationSlot"));
    expect(json.resource.aws_mskconnect_connector.Connector.depends_on).toEqual([
      "terraform_data.Earlier",
      `terraform_data.${slotId}`,
    ]);
  });

  it("passes Terraform references through (the endpoint and secret from other stacks)", () => {
    const [, resolved] = only(
      synth({ connection: { host: "${var.host}", port: "${var.port}", database: "shop" } }),
    );
    expect(resolved.input).toMatchObject({ host: "${var.host}", port: "${var.port}" });
  });

  it("fails if the slot name is not one PostgreSQL accepts", () => {
    expect(() => synth({ slotName: "Bad-Slot" })).toThrow(
      'ReplicationSlot: slotName got "Bad-Slot"; expected a replication slot name (lowercase letters, digits and _, at most 63, not starting with a digit)',
    );
  });

  it("fails if the wait is not a whole number of seconds", () => {
    expect(() => synth({ readerGoneTimeoutSeconds: -1 })).toThrow(
      "ReplicationSlot: readerGoneTimeoutSeconds got -1; expected a whole number of seconds, 0 or more",
    );
  });
});

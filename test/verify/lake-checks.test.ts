import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLake, formatAge, type LakeTopic } from "../../src/verify/lake-checks";
import { type S3StandIn, startS3, TEST_CREDENTIALS } from "./s3-stand-in";

const STUDENT: LakeTopic = {
  topic: "cdc-lake-demo.public.student",
  source: "managed",
  table: "public.student",
  canary: false,
};
const CANARY: LakeTopic = {
  topic: "cdc-lake-demo.cdc.cdc_lake_canary",
  source: "managed",
  table: "cdc.cdc_lake_canary",
  canary: true,
};
const OPTIONS = { platformStack: "demo-platform" };
/** S3 keeps LastModified to the second. */
const T0 = Date.parse("2026-03-01T11:20:00Z");

describe("lake: lake-objects, against a local S3 stand-in through AWS_ENDPOINT_URL_S3", () => {
  let s3: S3StandIn;
  let client: S3Client;
  const saved = process.env.AWS_ENDPOINT_URL_S3;
  beforeAll(async () => {
    s3 = await startS3(["lake"]);
    // The SDK's standard override, as verify's own clients get it: no endpoint in the client's config.
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    client = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
    const base = "cdc/cdc-lake-demo.public.student";
    const file = (n: number) => `cdc-lake-demo.public.student+0+000000000${n}.json`;
    s3.put(
      "lake",
      `${base}/year=2026/month=02/day=28/hour=23/${file(0)}`,
      "{}\n",
      new Date(T0 - 3 * 3600_000),
    );
    s3.put(
      "lake",
      `${base}/year=2026/month=03/day=01/hour=09/${file(1)}`,
      "{}\n",
      new Date(T0 - 2 * 3600_000),
    );
    s3.put("lake", `${base}/year=2026/month=03/day=01/hour=11/${file(2)}`, "{}\n", new Date(T0));
    // Another topic whose name starts like this one's, and newer: neither counted nor the newest.
    s3.put(
      "lake",
      "cdc/cdc-lake-demo.public.student_archive/year=2026/month=03/day=01/hour=12/x.json",
      "{}\n",
      new Date(T0 + 60_000),
    );
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
    else process.env.AWS_ENDPOINT_URL_S3 = saved;
    client?.destroy();
    await s3?.close();
  });

  it("passes with the topic's count and the newest object (newest partition) and its age", async () => {
    const [r] = await checkLake([STUDENT], client, "lake", { ...OPTIONS, now: () => T0 + 125_000 });
    expect(r).toEqual({
      stage: "lake",
      check: "lake-objects",
      verdict: "pass",
      source: "managed",
      detail:
        "cdc-lake-demo.public.student: 3 objects under s3://lake/cdc/cdc-lake-demo.public.student/, newest 2 min old " +
        "(year=2026/month=03/day=01/hour=11/cdc-lake-demo.public.student+0+0000000002.json)",
      data: {
        objects: 3,
        objectsCapped: false,
        newestKey:
          "cdc/cdc-lake-demo.public.student/year=2026/month=03/day=01/hour=11/cdc-lake-demo.public.student+0+0000000002.json",
        newestAgeSeconds: 125,
      },
    });
  });

  it("warns for an application table with no objects: quiet, or not yet snapshotted", async () => {
    const [r] = await checkLake(
      [{ ...STUDENT, topic: "cdc-lake-demo.public.course", table: "public.course" }],
      client,
      "lake",
      OPTIONS,
    );
    expect(r?.verdict).toBe("warn");
    expect(r?.detail).toBe(
      "cdc-lake-demo.public.course: no objects under s3://lake/cdc/cdc-lake-demo.public.course/ yet: public.course is quiet " +
        "(no change since the connector started) or not yet snapshotted",
    );
    expect(r?.fix).toBe(
      "change a row of public.course, or wait for Debezium's snapshot and the sink's rotation (connectors.rotateScheduleIntervalMs); " +
        "the end-to-end check tells whether changes flow",
    );
  });

  it("warns for the canary's topic before verify's first end-to-end step", async () => {
    const [r] = await checkLake([CANARY], client, "lake", OPTIONS);
    expect(r?.verdict).toBe("warn");
    expect(r?.detail).toBe(
      "cdc-lake-demo.cdc.cdc_lake_canary: no canary object under s3://lake/cdc/cdc-lake-demo.cdc.cdc_lake_canary/ yet",
    );
  });

  it("fails for a bucket that does not exist, and skips the other topics", async () => {
    const results = await checkLake([STUDENT, CANARY], client, "no-such-lake", OPTIONS);
    expect(results.map((r) => r.verdict)).toEqual(["fail", "skip"]);
    expect(results[0]?.detail).toBe("cdc-lake-demo.public.student: bucket no-such-lake not found");
    expect(results[0]?.fix).toBe(
      "apply the platform stack (npm run deploy -- apply demo-platform); its output s3_bucket_name names the lake",
    );
    expect(results[1]?.detail).toBe(
      "cdc-lake-demo.cdc.cdc_lake_canary: not listed (bucket no-such-lake not found)",
    );
  });
});

describe("lake: lake-objects, with a mocked S3", () => {
  // Mocks every S3Client while this block runs: created here, restored after, so the stand-in's block is unaffected.
  let s3: AwsClientStub<S3Client>;
  const client = new S3Client({ region: "us-east-1" });
  beforeAll(() => {
    s3 = mockClient(S3Client);
  });
  afterAll(() => s3.restore());

  it("fails with the IAM fix when listing is refused", async () => {
    s3.reset();
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    const [r] = await checkLake([STUDENT], client, "lake", OPTIONS);
    expect(r?.verdict).toBe("fail");
    expect(r?.detail).toBe(
      "cdc-lake-demo.public.student: listing s3://lake/cdc/cdc-lake-demo.public.student/ failed: AccessDenied: Access Denied",
    );
    expect(r?.fix).toBe("grant s3:ListBucket on lake to the AWS credentials verify runs with");
  });

  it("stops counting at 10,000 keys and says so", async () => {
    s3.reset();
    const page = (n: number) => ({
      IsTruncated: true,
      NextContinuationToken: `t${n}`,
      Contents: Array.from({ length: 1000 }, (_, i) => ({
        Key: `cdc/cdc-lake-demo.public.student/p${n}-${i}.json`,
        LastModified: new Date(1_000_000 + n),
      })),
    });
    s3.on(ListObjectsV2Command, { Delimiter: undefined }).callsFake((input: { ContinuationToken?: string }) =>
      page(input.ContinuationToken ? Number(input.ContinuationToken.slice(1)) + 1 : 0),
    );
    s3.on(ListObjectsV2Command, { Delimiter: "/" }).resolves({
      Contents: [{ Key: "cdc/cdc-lake-demo.public.student/p9.json", LastModified: new Date(1_000_009) }],
    });
    const [r] = await checkLake([STUDENT], client, "lake", {
      ...OPTIONS,
      now: () => 1_000_009 + 3 * 3600_000,
    });
    expect(r?.detail).toBe(
      "cdc-lake-demo.public.student: 10000+ objects under s3://lake/cdc/cdc-lake-demo.public.student/, newest 3 h 0 min old (p9.json)",
    );
    expect(s3.commandCalls(ListObjectsV2Command, { Delimiter: undefined })).toHaveLength(10);
  });

  it("formats ages in the unit that reads best", () => {
    expect([45, 600, 3 * 3600 + 300, 2 * 86400 + 4 * 3600].map(formatAge)).toEqual([
      "45 s",
      "10 min",
      "3 h 5 min",
      "2 d 4 h",
    ]);
  });
});

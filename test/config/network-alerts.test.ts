/**
 * The config model of availability zones by ID, the operators' way in, and alarm notifications: what each
 * accepts, what it refuses and in which words.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/parse";
import { demoConfigData, problemsOf } from "../support/synth";

function configWith(change: (data: Record<string, any>) => void) {
  const data = demoConfigData();
  change(data);
  return parseConfig(data, "test.yaml");
}

/** The demo with zones by ID instead of by name. */
const byIds = (ids: string[]) => (d: Record<string, any>) => {
  delete d.network.availabilityZones;
  d.network.availabilityZoneIds = ids;
};

describe("availability zones by ID", () => {
  it("resolves to zones by ID, each subnet placed in one", () => {
    const config = configWith(byIds(["use1-az1", "use1-az2", "use1-az4"]));
    expect(config.network.availabilityZones).toEqual([
      { id: "use1-az1" },
      { id: "use1-az2" },
      { id: "use1-az4" },
    ]);
    expect(config.network.publicSubnets).toEqual([
      { zone: { id: "use1-az1" }, cidr: "10.0.0.0/24" },
      { zone: { id: "use1-az2" }, cidr: "10.0.1.0/24" },
      { zone: { id: "use1-az4" }, cidr: "10.0.2.0/24" },
    ]);
  });

  it("fails on a zone Amazon MSK refuses, with MSK's reason", () => {
    expect(problemsOf(byIds(["use1-az1", "use1-az3", "use1-az4"]))).toEqual([
      'network.availabilityZoneIds.1: got "use1-az3"; expected a zone Amazon MSK supports (Amazon MSK: client subnets can\'t occupy the Availability Zone with ID use1-az3): choose another zone ID of us-east-1',
    ]);
  });

  it("fails on a zone ID of another region, or not shaped like one", () => {
    expect(problemsOf(byIds(["use1-az1", "usw2-az1", "us-east-1c"]))).toEqual([
      'network.availabilityZoneIds.1: got "usw2-az1"; expected a zone ID of us-east-1 such as use1-az1 (aws ec2 describe-availability-zones lists them)',
      'network.availabilityZoneIds.2: got "us-east-1c"; expected a zone ID of us-east-1 such as use1-az1 (aws ec2 describe-availability-zones lists them)',
    ]);
  });

  it("derives the zone ID prefix of every region shape: gov, two-part directions, China", () => {
    const ok = (region: string, ids: string[]) =>
      problemsOf((d) => {
        d.region = region;
        delete d.network.availabilityZones;
        d.network.availabilityZoneIds = ids;
      });
    expect(ok("ap-northeast-2", ["apne2-az1", "apne2-az2", "apne2-az3"])).toEqual([]);
    expect(ok("us-gov-west-1", ["usgw1-az1", "usgw1-az2", "usgw1-az3"])).toEqual([]);
    expect(ok("cn-northwest-1", ["cnnw1-az1", "cnnw1-az2", "cnnw1-az3"])).toEqual([]);
    expect(ok("eu-central-2", ["euc2-az1", "euc2-az2", "euc2-az3"])).toEqual([]);
  });

  it("fails on a zone twice, and on names and IDs together", () => {
    expect(problemsOf(byIds(["use1-az1", "use1-az1", "use1-az2"]))).toEqual([
      'network.availabilityZoneIds.1: got "use1-az1" twice; expected distinct zones',
    ]);
    expect(problemsOf((d) => (d.network.availabilityZoneIds = ["use1-az1", "use1-az2", "use1-az4"]))).toEqual(
      [
        "network.availabilityZones: got both availabilityZones and availabilityZoneIds; expected one: availabilityZoneIds (names differ per account), with previousAvailabilityZones for the names a deployed pipeline used",
      ],
    );
  });

  it("keeps the names a deployed pipeline used, one per ID, in the region", () => {
    const config = configWith((d) => {
      byIds(["use1-az4", "use1-az6", "use1-az1"])(d);
      d.network.previousAvailabilityZones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    });
    expect(config.network.availabilityZones).toEqual([
      { id: "use1-az4", previousName: "us-east-1a" },
      { id: "use1-az6", previousName: "us-east-1b" },
      { id: "use1-az1", previousName: "us-east-1c" },
    ]);
    expect(
      problemsOf((d) => {
        byIds(["use1-az4", "use1-az6", "use1-az1"])(d);
        d.network.previousAvailabilityZones = ["us-east-1a", "us-west-2b"];
      }),
    ).toEqual([
      "network.previousAvailabilityZones: got 2 names; expected one per zone ID (3), in the order of availabilityZoneIds",
      'network.previousAvailabilityZones.1: got "us-west-2b"; expected a zone of us-east-1 such as us-east-1a',
    ]);
    expect(
      problemsOf((d) => (d.network.previousAvailabilityZones = ["us-east-1a", "us-east-1b", "us-east-1c"])),
    ).toEqual([
      "network.previousAvailabilityZones: got names without availabilityZoneIds; expected availabilityZoneIds, the IDs of these zones in the same order",
    ]);
  });

  it("fails on three zones in us-west-1, where MSK takes exactly two", () => {
    expect(
      problemsOf((d) => {
        d.region = "us-west-1";
        byIds(["usw1-az1", "usw1-az2", "usw1-az3"])(d);
      }),
    ).toEqual([
      "network.availabilityZoneIds: got 3 zones in us-west-1; expected 2: MSK places brokers in exactly two zones in US West (N. California)",
    ]);
  });
});

describe("network.operatorAccess", () => {
  it("opens nothing by default", () => {
    expect(configWith(() => {}).network.operatorAccess).toEqual({
      securityGroup: false,
      cidrs: [],
      sessionManager: false,
    });
  });

  it("fails on Session Manager endpoints that no operator source could use", () => {
    expect(problemsOf((d) => (d.network.operatorAccess = { sessionManager: true }))).toEqual([
      "network.operatorAccess.sessionManager: got true with no operator source; expected securityGroup: true (put the Session Manager instance in it) or operator cidrs",
    ]);
  });

  it("fails on an operator network wider than /8, a malformed one, or one twice", () => {
    expect(
      problemsOf(
        (d) =>
          (d.network.operatorAccess = { cidrs: ["0.0.0.0/0", "10.1.0.0/16", "10.1.0.0/16", "10.2.0.1/16"] }),
      ),
    ).toEqual([
      'network.operatorAccess.cidrs.3: got "10.2.0.1/16"; expected a network address such as 10.2.0.0/16: the address has bits set past /16, which AWS and Terraform refuse',
      'network.operatorAccess.cidrs.2: got "10.1.0.0/16"; expected each CIDR once (it is also item 1)',
      'network.operatorAccess.cidrs.0: got "0.0.0.0/0"; expected an operator network of at most /8, such as a runner subnet or VPN range',
    ]);
  });
});

describe("alerts", () => {
  it("turns emails and subscriptions into one list of subscriptions", () => {
    const config = configWith(
      (d) =>
        (d.alerts = {
          emails: ["oncall@example.com"],
          subscriptions: [{ protocol: "https", endpoint: "https://hooks.example.com/alarms" }],
        }),
    );
    expect(config.alerts).toEqual({
      snsTopicArn: undefined,
      subscriptions: [
        { protocol: "email", endpoint: "oncall@example.com" },
        { protocol: "https", endpoint: "https://hooks.example.com/alarms" },
      ],
    });
  });

  it.each([
    ["email", "oncall", "an email address such as oncall@example.com"],
    ["email-json", "a b@example.com", "an email address such as oncall@example.com"],
    [
      "https",
      "http://hooks.example.com/alarms",
      "an https:// URL without credentials or spaces, such as https://hooks.example.com/alarms",
    ],
    [
      "https",
      "https://user:secret@hooks.example.com/",
      "an https:// URL without credentials or spaces, such as https://hooks.example.com/alarms",
    ],
    [
      "sqs",
      "arn:aws:sqs:us-east-1:123456789012:alarms.fifo",
      "the ARN of a standard SQS queue, such as arn:aws:sqs:us-east-1:123456789012:alarms",
    ],
    [
      "lambda",
      "arn:aws:lambda:us-east-1:123456789012:page-oncall",
      "the ARN of a Lambda function, such as arn:aws:lambda:us-east-1:123456789012:function:page-oncall",
    ],
    ["sms", "555-0100", "a phone number in E.164 form, such as +14155550100"],
  ])("fails on a %s endpoint %j, in SNS's terms", (protocol, endpoint, expected) => {
    expect(problemsOf((d) => (d.alerts = { subscriptions: [{ protocol, endpoint }] }))).toEqual([
      `alerts.subscriptions.0.endpoint: got ${JSON.stringify(endpoint)}; expected ${expected}`,
    ]);
  });

  it("fails on a protocol SNS alarms should not use (plain http) and on a bad email", () => {
    expect(
      problemsOf(
        (d) =>
          (d.alerts = { emails: ["not-an-address"], subscriptions: [{ protocol: "http", endpoint: "x" }] }),
      ),
    ).toEqual([
      'alerts.emails.0: got "not-an-address"; expected an email address such as oncall@example.com',
      'alerts.subscriptions.0.protocol: got "http"; expected one of "email", "email-json", "https", "sqs", "lambda", "sms"',
    ]);
  });

  it("fails on the same subscription twice, email addresses compared without case", () => {
    expect(
      problemsOf(
        (d) =>
          (d.alerts = {
            emails: ["oncall@example.com"],
            subscriptions: [{ protocol: "email", endpoint: "OnCall@example.com" }],
          }),
      ),
    ).toEqual([
      "alerts.subscriptions.0: got email oncall@example.com, also at alerts.emails.0; expected each subscription once",
    ]);
  });

  it("fails on subscriptions for a topic the pipeline does not manage", () => {
    expect(
      problemsOf(
        (d) =>
          (d.alerts = {
            snsTopicArn: "arn:aws:sns:us-east-1:123456789012:ops",
            emails: ["oncall@example.com"],
          }),
      ),
    ).toEqual([
      "alerts.emails: got subscriptions with snsTopicArn; expected one or the other: subscribe to an existing topic where it is managed, or drop snsTopicArn and the pipeline creates its own topic with these subscriptions",
    ]);
  });
});

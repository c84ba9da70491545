import { z } from "zod";
import { addProblem } from "../fields";

/** An email address as SNS accepts it for the email protocols: one local part, one domain with a dot. */
const EMAIL =
  /^[A-Za-z0-9.!#&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

const emailAddress = z
  .string()
  .max(254, "expected an email address of at most 254 characters")
  .regex(EMAIL, "expected an email address such as oncall@example.com");

/**
 * The subscription protocols an alarm topic may use, and what SNS expects as the endpoint of each.
 * http (plain text) is left out: alarms say what is failing, and travel over TLS only. firehose and
 * application need more than an endpoint (a role, a platform application) and are left to the topic's owner.
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
 */
const ENDPOINTS = {
  email: { pattern: EMAIL, expected: "an email address such as oncall@example.com" },
  "email-json": { pattern: EMAIL, expected: "an email address such as oncall@example.com" },
  https: {
    pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[\x21-\x7e]*)?$/,
    expected: "an https:// URL without credentials or spaces, such as https://hooks.example.com/alarms",
  },
  sqs: {
    // A FIFO queue cannot subscribe to a standard topic.
    pattern: /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/,
    expected: "the ARN of a standard SQS queue, such as arn:aws:sqs:us-east-1:123456789012:alarms",
  },
  lambda: {
    pattern: /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_-]{1,128})?$/,
    expected:
      "the ARN of a Lambda function, such as arn:aws:lambda:us-east-1:123456789012:function:page-oncall",
  },
  sms: { pattern: /^\+[1-9]\d{1,14}$/, expected: "a phone number in E.164 form, such as +14155550100" },
} as const;

type Protocol = keyof typeof ENDPOINTS;
const PROTOCOLS = Object.keys(ENDPOINTS) as [Protocol, ...Protocol[]];

const SubscriptionSchema = z
  .strictObject({
    protocol: z
      .enum(PROTOCOLS)
      .describe(`SNS protocol: ${PROTOCOLS.join(", ")} (not http: alarms travel over TLS only).`),
    endpoint: z.string().max(2048).describe("Where SNS delivers, in the protocol's form."),
  })
  .superRefine((s, ctx) => {
    const rule = ENDPOINTS[s.protocol];
    if (rule && !rule.pattern.test(s.endpoint)) {
      addProblem(ctx, ["endpoint"], `got ${JSON.stringify(s.endpoint)}; expected ${rule.expected}`);
    }
  });

export const AlertsSchema = z
  .strictObject({
    snsTopicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, "expected an SNS topic ARN")
      .optional()
      .describe(
        "An existing SNS topic every alarm notifies (its subscriptions are managed where the topic is). If it is " +
          "encrypted with a KMS key, that key's policy must let cloudwatch.amazonaws.com use it. Default: none.",
      ),
    emails: z
      .array(emailAddress)
      .default([])
      .describe(
        "Addresses subscribed to the pipeline's own alarm topic (<project>-<environment>-alerts, created when " +
          "emails or subscriptions are given). Each address confirms by the link SNS mails it.",
      ),
    subscriptions: z
      .array(SubscriptionSchema)
      .default([])
      .describe(
        "More subscriptions of the pipeline's alarm topic: {protocol, endpoint} with protocol email, email-json, " +
          "https, sqs, lambda or sms (a Lambda function must allow sns.amazonaws.com to invoke it).",
      ),
  })
  .superRefine((alerts, ctx) => {
    const seen = new Map<string, number>();
    const endpoints = [
      ...alerts.emails.map((e, i) => ({ key: `email ${e.toLowerCase()}`, path: ["emails", i] })),
      ...alerts.subscriptions.map((s, i) => ({
        key: `${s.protocol} ${s.protocol.startsWith("email") ? s.endpoint.toLowerCase() : s.endpoint}`,
        path: ["subscriptions", i],
      })),
    ];
    endpoints.forEach(({ key, path }, i) => {
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else {
        const other = endpoints[first]?.path.join(".");
        addProblem(ctx, path, `got ${key}, also at alerts.${other}; expected each subscription once`);
      }
    });
    if (alerts.snsTopicArn && endpoints.length > 0) {
      addProblem(
        ctx,
        [alerts.emails.length > 0 ? "emails" : "subscriptions"],
        "got subscriptions with snsTopicArn; expected one or the other: subscribe to an existing topic where it is managed, or drop snsTopicArn and the pipeline creates its own topic with these subscriptions",
      );
    }
  })
  .prefault({})
  .describe(
    "Where every CloudWatch alarm of the pipeline sends its notifications (ALARM and OK): an existing topic " +
      "(snsTopicArn), or a topic the pipeline creates, encrypted with its KMS key, for emails and subscriptions. " +
      "Guardrail CDC-OBS1 flags alarms that notify nobody.",
  );

/** Whether the pipeline creates its own alarm topic: when subscriptions are configured and no topic is given. */
export function createsAlertTopic(alerts: {
  snsTopicArn?: string | undefined;
  emails: readonly string[];
  subscriptions: readonly unknown[];
}): boolean {
  return !alerts.snsTopicArn && alerts.emails.length + alerts.subscriptions.length > 0;
}

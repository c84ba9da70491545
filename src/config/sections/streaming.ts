import { z } from "zod";
import { addProblem } from "../fields";

export const StreamingSchema = z
  .strictObject({
    kafkaVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "expected a Kafka version such as 3.6.0")
      .default("3.6.0")
      .describe("MSK Kafka version."),
    brokerInstanceType: z
      .string()
      .regex(/^kafka\.[a-z0-9]+\.[a-z0-9]+$/, "expected an MSK broker type such as kafka.m5.large")
      .default("kafka.m5.large")
      .describe("MSK broker instance type."),
    brokerCount: z
      .number()
      .int()
      .min(2)
      .default(3)
      .describe("Number of brokers, a multiple of the number of availability zones."),
    brokerVolumeGiB: z
      .number()
      .int()
      .min(1)
      .max(16384)
      .default(100)
      .describe("EBS storage per broker in GiB."),
    maxBrokerVolumeGiB: z
      .number()
      .int()
      .min(1)
      .max(16384)
      .default(1000)
      .describe("Broker storage autoscaling grows each broker's volume up to this size when it is 60% full."),
  })
  .superRefine((streaming, ctx) => {
    if (streaming.maxBrokerVolumeGiB < streaming.brokerVolumeGiB) {
      addProblem(
        ctx,
        ["maxBrokerVolumeGiB"],
        `got ${streaming.maxBrokerVolumeGiB}; expected at least brokerVolumeGiB (${streaming.brokerVolumeGiB})`,
      );
    }
  })
  .prefault({})
  .describe("The MSK cluster (IAM authentication, TLS everywhere).");

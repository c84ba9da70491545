import { z } from "zod";
import { addProblem, int32 } from "../fields";

const mcuCount = () =>
  z
    .union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)])
    .default(1)
    .describe("MSK Connect units per worker (1 MCU = 1 vCPU, 4 GiB): 1, 2, 4 or 8.");

const CapacitySchema = z
  .strictObject({
    mcuCount: mcuCount(),
    minWorkerCount: z.number().int().min(1).max(10).default(1).describe("Fewest workers."),
    maxWorkerCount: z.number().int().min(1).max(10).default(2).describe("Most workers."),
    scaleInCpuPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(20)
      .describe("Remove a worker below this CPU utilization."),
    scaleOutCpuPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(80)
      .describe("Add a worker above this CPU utilization."),
  })
  .superRefine((capacity, ctx) => {
    if (capacity.minWorkerCount > capacity.maxWorkerCount) {
      addProblem(
        ctx,
        ["minWorkerCount"],
        `got ${capacity.minWorkerCount}, above maxWorkerCount ${capacity.maxWorkerCount}; expected at most ${capacity.maxWorkerCount}`,
      );
    }
    if (capacity.scaleInCpuPercent >= capacity.scaleOutCpuPercent) {
      addProblem(
        ctx,
        ["scaleInCpuPercent"],
        `got ${capacity.scaleInCpuPercent}, not below scaleOutCpuPercent ${capacity.scaleOutCpuPercent}; expected a lower threshold to scale in than to scale out`,
      );
    }
  })
  .prefault({})
  .describe("Autoscaled capacity of the S3 sink: workers are added and removed on CPU, as in the seed lab.");

const SourceSchema = z
  .strictObject({
    mcuCount: mcuCount(),
  })
  .prefault({})
  .describe(
    "The Debezium source runs on one provisioned worker of this size: its PostgreSQL connector always " +
      "runs one task (a replication slot has one reader), so more workers would only cost and rebalance.",
  );

const SinkSchema = z
  .strictObject({
    capacity: CapacitySchema,
  })
  .prefault({})
  .describe("The S3 sink, autoscaled.");

export const ConnectorsSchema = z
  .strictObject({
    jsonSchemas: z
      .boolean()
      .default(false)
      .describe(
        "Embed the Kafka Connect schema in every JSON record (schemas.enable). Off: records are plain JSON, " +
          "what analysts query.",
      ),
    snapshotMode: z
      .enum(["initial", "no_data", "never", "when_needed"])
      .default("initial")
      .describe("Debezium snapshot.mode: initial copies the tables once, then streams."),
    heartbeatIntervalMs: int32()
      .min(1000)
      .default(60000)
      .describe(
        "Debezium heartbeat.interval.ms: lets the connector confirm WAL positions while the captured tables " +
          "are quiet, so the slot does not pin WAL.",
      ),
    flushSize: int32().min(1).default(1000).describe("S3 sink flush.size: records per S3 object at most."),
    rotateScheduleIntervalMs: int32()
      .min(10000)
      .default(60000)
      .describe(
        "S3 sink rotate.schedule.interval.ms: wall-clock time after which an open file is committed even if " +
          "no new record arrives. Bounds the delay from a database change to an S3 object.",
      ),
    source: SourceSchema,
    sink: SinkSchema,
  })
  .prefault({})
  .describe("The Debezium source and S3 sink connectors on MSK Connect (Kafka Connect 2.7.1).");

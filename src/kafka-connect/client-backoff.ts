/**
 * Reconnect backoff of every Kafka client a worker runs: the worker's own (group membership, internal
 * topics) and its connector's producers and consumers (`producer.` and `consumer.` prefixes).
 *
 * MSK brokers with IAM authentication accept only so many new connections per second, and a
 * kafka.t3.small broker (the demo's) only 4 ("Too many connects" past that). Kafka's default backoff
 * (50 ms, up to 1 s) retries a refused connection at once, which keeps the rate over the limit; waiting
 * 1 s, doubling up to 10 s, lets a restarting worker's dozen clients get in.
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/limits.html (TCP connection rate, IAM)
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/msk-connect-supported-worker-config-properties.html
 *   (MSK Connect allows `producer.reconnect.backoff.ms`, `producer.reconnect.backoff.max.ms` and the
 *   `consumer.` ones by name, and unprefixed properties outside its denied prefixes)
 */

/** First wait before reconnecting to a broker, in ms: the one MSK suggests for IAM clients. */
export const RECONNECT_BACKOFF_MS = 1000;
/** Longest wait, after doubling on each failure, in ms. */
export const RECONNECT_BACKOFF_MAX_MS = 10_000;

export function reconnectBackoffProperties(): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const prefix of ["", "producer.", "consumer."]) {
    properties[`${prefix}reconnect.backoff.ms`] = String(RECONNECT_BACKOFF_MS);
    properties[`${prefix}reconnect.backoff.max.ms`] = String(RECONNECT_BACKOFF_MAX_MS);
  }
  return properties;
}

/**
 * A model of the few Trino (Athena engine 3) expressions the lake views use to turn Debezium's numbers into
 * dates and timestamps: enough SQL to evaluate DIALECTS.athena.convert, with Trino's own rules where they
 * bite. No Trino runs here, so each rule is read off its source and cited:
 *
 * - date_add(unit, bigint, timestamp(p)): the amount goes through Math.toIntExact ("integer overflow" past
 *   ±2^31), and the units are getTimestampField's (no 'microsecond'); date_add on a date, getDateField's.
 *   core/trino-main/src/main/java/io/trino/operator/scalar/timestamp/DateAdd.java, operator/scalar/DateTimeFunctions.java
 * - bigint `/` and `%` truncate toward zero (Java's), `*` fails on overflow (multiplyExact).
 *   core/trino-main/src/main/java/io/trino/type/BigintOperators.java
 * - from_unixtime_nanos(bigint): timestamp(9) with time zone in the session's zone; AT TIME ZONE 'UTC' sets the
 *   zone; CAST to timestamp(p) keeps the local date-time in that zone. A cast of a session-zoned value is refused
 *   here, as its result would depend on the session.
 *   core/trino-main/src/main/java/io/trino/operator/scalar/DateTimeFunctions.java (fromUnixTimeNanos)
 *
 * Values: a bigint, a date (days), a timestamp (nanoseconds since the epoch, local), or a timestamp with time
 * zone (nanoseconds since the epoch, UTC, and whether its zone is still the session's).
 */

type Value =
  | { readonly kind: "bigint"; readonly v: bigint }
  | { readonly kind: "varchar"; readonly v: string }
  | { readonly kind: "date"; readonly days: bigint }
  | { readonly kind: "timestamp"; readonly p: number; readonly nanos: bigint }
  | {
      readonly kind: "timestamptz";
      readonly p: number;
      readonly nanos: bigint;
      readonly sessionZone: boolean;
    };

export class TrinoError extends Error {}

const INT_MAX = 2n ** 31n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const NANOS_PER: Record<string, bigint> = {
  millisecond: 1_000_000n,
  second: 1_000_000_000n,
  minute: 60_000_000_000n,
  hour: 3_600_000_000_000n,
  day: 86_400_000_000_000n,
  week: 604_800_000_000_000n,
};
/** getTimestampField's units; month, quarter and year exist too but have no fixed length (not modelled). */
const TIMESTAMP_UNITS = ["millisecond", "second", "minute", "hour", "day", "week"];
/** getDateField's, those of a fixed length. */
const DATE_UNITS = ["day", "week"];

class Parser {
  private i = 0;
  private readonly tokens: string[];

  constructor(sql: string) {
    this.tokens = sql.match(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\d+|[A-Za-z_][A-Za-z0-9_]*|[()*/%+,-]/g) ?? [];
    const rest = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\d+|[A-Za-z_][A-Za-z0-9_]*|[()*/%+,-]|\s+/g, "");
    if (rest !== "") throw new Error(`the model does not read ${JSON.stringify(rest)} in ${sql}`);
  }

  parse(): Value {
    const value = this.additive();
    if (this.i !== this.tokens.length) throw new Error(`unexpected ${this.tokens[this.i]}`);
    return value;
  }

  private peek(): string | undefined {
    return this.tokens[this.i];
  }

  private next(): string {
    const t = this.tokens[this.i++];
    if (t === undefined) throw new Error("unexpected end");
    return t;
  }

  private expect(t: string): void {
    const got = this.next();
    if (got.toUpperCase() !== t.toUpperCase()) throw new Error(`expected ${t}, got ${got}`);
  }

  /** `+`/`-` over `*`/`/`/`%`, left to right, on bigints. */
  private additive(): Value {
    return this.binary(["+", "-"], () => this.multiplicative());
  }

  private multiplicative(): Value {
    return this.binary(["*", "/", "%"], () => this.postfix());
  }

  private binary(ops: readonly string[], operand: () => Value): Value {
    let left = operand();
    while (ops.includes(this.peek() ?? "")) {
      const op = this.next();
      left = bigint(arith(op, int(left), int(operand())));
    }
    return left;
  }

  private postfix(): Value {
    let value = this.primary();
    while (this.peek()?.toUpperCase() === "AT") {
      this.expect("AT");
      this.expect("TIME");
      this.expect("ZONE");
      const zone = literal(this.next());
      if (zone !== "UTC") throw new Error(`the model knows only UTC, got ${zone}`);
      if (value.kind !== "timestamptz") throw new TrinoError("AT TIME ZONE needs a timestamp with time zone");
      value = { ...value, sessionZone: false };
    }
    return value;
  }

  private primary(): Value {
    const t = this.next();
    const upper = t.toUpperCase();
    if (t === "(") {
      const v = this.additive();
      this.expect(")");
      return v;
    }
    if (t === "-") return bigint(-int(this.primary()));
    if (/^\d+$/.test(t)) return bigint(BigInt(t));
    if (t.startsWith("'")) return { kind: "varchar", v: literal(t) };
    if (upper === "TIMESTAMP") return timestampLiteral(literal(this.next()));
    if (upper === "DATE")
      return { kind: "date", days: BigInt(Date.parse(`${literal(this.next())}T00:00:00Z`) / 86_400_000) };
    if (upper === "CAST") {
      this.expect("(");
      const v = this.additive();
      this.expect("AS");
      const type = this.type();
      this.expect(")");
      return cast(v, type);
    }
    this.expect("(");
    const args: Value[] = [];
    if (this.peek() !== ")") {
      args.push(this.additive());
      while (this.peek() === ",") {
        this.next();
        args.push(this.additive());
      }
    }
    this.expect(")");
    return call(t.toLowerCase(), args);
  }

  private type(): string {
    let type = this.next().toLowerCase();
    if (this.peek() === "(") {
      this.next();
      type += `(${this.next()})`;
      this.expect(")");
    }
    return type;
  }
}

const bigint = (v: bigint): Value => {
  if (v > BIGINT_MAX || v < -BIGINT_MAX - 1n) throw new TrinoError("bigint overflow");
  return { kind: "bigint", v };
};

function int(v: Value): bigint {
  if (v.kind !== "bigint") throw new TrinoError(`expected a bigint, got a ${v.kind}`);
  return v.v;
}

function arith(op: string, a: bigint, b: bigint): bigint {
  if (op === "+") return a + b;
  if (op === "-") return a - b;
  if (op === "*") return a * b;
  if (b === 0n) throw new TrinoError("Division by zero");
  // BigInt division and remainder truncate toward zero, as Java's.
  return op === "/" ? a / b : a % b;
}

function literal(token: string): string {
  if (!token.startsWith("'")) throw new Error(`expected a string literal, got ${token}`);
  return token.slice(1, -1).replaceAll("''", "'");
}

function timestampLiteral(text: string): Value {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`the model reads TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.f]', got ${text}`);
  const fraction = m[3] ?? "";
  const millis = BigInt(Date.parse(`${m[1]}T${m[2]}Z`));
  return {
    kind: "timestamp",
    p: fraction.length,
    nanos: millis * 1_000_000n + BigInt(fraction.padEnd(9, "0")),
  };
}

/** Rounds nanoseconds to `p` fractional digits, half up (Trino's DateTimes.round). */
function roundTo(nanos: bigint, p: number): bigint {
  const unit = 10n ** BigInt(9 - p);
  const floor = nanos >= 0n ? (nanos / unit) * unit : -((-nanos + unit - 1n) / unit) * unit;
  return nanos - floor >= unit / 2n && unit > 1n ? floor + unit : floor;
}

function cast(v: Value, type: string): Value {
  const ts = /^timestamp\((\d)\)$/.exec(type);
  if (ts) {
    const p = Number(ts[1]);
    if (v.kind === "timestamp") return { kind: "timestamp", p, nanos: roundTo(v.nanos, p) };
    if (v.kind === "timestamptz") {
      if (v.sessionZone)
        throw new TrinoError(
          "a cast of a session-zoned timestamp: its result depends on the session's time zone",
        );
      return { kind: "timestamp", p, nanos: roundTo(v.nanos, p) };
    }
  }
  if (type === "date" && v.kind === "date") return v;
  if (type === "bigint" && v.kind === "bigint") return v;
  throw new Error(`the model does not cast a ${v.kind} to ${type}`);
}

function call(name: string, args: Value[]): Value {
  if (name === "date_add") {
    const [unitArg, amountArg, target] = args;
    if (unitArg?.kind !== "varchar" || !amountArg || !target)
      throw new Error("date_add(unit, amount, value)");
    const unit = unitArg.v.toLowerCase();
    const amount = int(amountArg);
    if (target.kind === "date") {
      if (!DATE_UNITS.includes(unit)) throw new TrinoError(`'${unit}' is not a valid DATE field`);
      if (amount > INT_MAX || amount < -INT_MAX - 1n) throw new TrinoError("integer overflow");
      return { kind: "date", days: target.days + amount * (unit === "week" ? 7n : 1n) };
    }
    if (target.kind !== "timestamp") throw new TrinoError(`date_add on a ${target.kind}`);
    if (!TIMESTAMP_UNITS.includes(unit)) throw new TrinoError(`'${unit}' is not a valid Timestamp field`);
    if (amount > INT_MAX || amount < -INT_MAX - 1n) throw new TrinoError("integer overflow");
    return { ...target, nanos: target.nanos + amount * (NANOS_PER[unit] ?? 0n) };
  }
  if (name === "from_unixtime_nanos") {
    const [n] = args;
    if (!n) throw new Error("from_unixtime_nanos(bigint)");
    return { kind: "timestamptz", p: 9, nanos: int(n), sessionZone: true };
  }
  throw new Error(`the model does not know ${name}()`);
}

/** Evaluates `sql` (a constant expression) with the model's rules; throws TrinoError where Trino would fail. */
export function evaluateTrino(sql: string): Value {
  return new Parser(sql).parse();
}

/** A date or timestamp as `yyyy-mm-dd[ hh:mm:ss.ffffff]` (microseconds), for comparing with DuckDB's strftime. */
export function formatTrino(v: Value): string {
  if (v.kind === "date") return new Date(Number(v.days) * 86_400_000).toISOString().slice(0, 10);
  if (v.kind !== "timestamp") throw new Error(`not a date or timestamp: ${v.kind}`);
  const micros = v.nanos / 1000n - (v.nanos % 1000n < 0n ? 1n : 0n);
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const microOfMilli = micros - millis * 1000n;
  const iso = new Date(Number(millis)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(microOfMilli).padStart(3, "0")}`;
}

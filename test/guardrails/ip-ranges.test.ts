import { describe, expect, it } from "vitest";
import {
  countAddresses,
  describeCount,
  describeRanges,
  exposure,
  formatCidr,
  mergeRanges,
  rangeToCidrs,
  readCidr,
  subtractRanges,
  toRange,
} from "../../src/guardrails/ip-ranges";

/** The canonical readings of `text`, or undefined when it is not an IP range. */
const read = (text: string) => readCidr(text)?.map(formatCidr);
const range = (text: string) => {
  const [cidr] = readCidr(text) ?? [];
  if (!cidr) throw new Error(text);
  return toRange(cidr);
};

describe("readCidr", () => {
  it.each([
    ["0.0.0.0/0", ["0.0.0.0/0"]],
    ["0.0.0.0/00", ["0.0.0.0/0"]],
    ["203.0.113.10/032", ["203.0.113.10/32"]],
    [" 203.0.113.10/32\t", ["203.0.113.10/32"]],
    ["203.0.113.10", ["203.0.113.10/32"]],
    // Host bits are cleared, as AWS canonicalizes them.
    ["100.68.0.18/18", ["100.68.0.0/18"]],
    ["255.255.255.255/1", ["128.0.0.0/1"]],
    // A leading zero: decimal and octal (inet_aton) readings, both kept.
    ["010.0.0.0/8", ["10.0.0.0/8", "8.0.0.0/8"]],
    ["192.168.000.000/16", ["192.168.0.0/16"]],
    // 09 is not octal: only the decimal reading.
    ["09.0.0.0/8", ["9.0.0.0/8"]],
    ["::/0", ["::/0"]],
    ["::/000", ["::/0"]],
    ["8000::/1", ["8000::/1"]],
    ["2001:DB8:0:0:0:0:0:1/48", ["2001:db8::/48"]],
    ["2001:0db8:0000::0001/128", ["2001:db8::1/128"]],
    ["::ffff:192.0.2.1/128", ["::ffff:c000:201/128"]],
    ["fe80::1", ["fe80::1/128"]],
  ])("reads %j as %j", (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it.each([
    "",
    "0.0.0.0/33",
    "256.0.0.0/8",
    "10.0.0/8",
    "10.0.0.0/",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    "0x0a.0.0.0/8",
    "::/129",
    "1::2::3/64",
    "1:2:3:4:5:6:7:8:9/64",
    "1:2:3:4:5:6:7/64",
    "fe80::1%eth0/64",
    "2001:db8::g/64",
    "any",
  ])("refuses %j", (text) => {
    expect(readCidr(text)).toBeUndefined();
  });
});

describe("range arithmetic", () => {
  it("merges overlapping and adjacent ranges, per family", () => {
    const merged = mergeRanges(["128.0.0.0/1", "0.0.0.0/1", "10.0.0.0/8", "::/1", "8000::/1"].map(range));
    expect(merged.flatMap(rangeToCidrs).map(formatCidr)).toEqual(["0.0.0.0/0", "::/0"]);
  });

  it("subtracts holes and counts what is left", () => {
    const left = subtractRanges([range("10.0.0.0/8")], [range("10.0.0.0/9"), range("10.192.0.0/10")]);
    expect(left.flatMap(rangeToCidrs).map(formatCidr)).toEqual(["10.128.0.0/10"]);
    expect(countAddresses(left)).toBe(2n ** 22n);
  });

  it("covers a range with the fewest blocks", () => {
    const r = { family: 4 as const, start: range("10.0.0.1/32").start, end: range("10.0.0.8/32").start };
    expect(rangeToCidrs(r).map(formatCidr)).toEqual(["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/30"]);
  });

  it("counts the public addresses of all of IPv4 and IPv6", () => {
    const all = [...(readCidr("0.0.0.0/0") ?? []), ...(readCidr("::/0") ?? [])];
    // 2^32 less 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/4 and 240/4.
    expect(exposure(4, all).publicCount).toBe(3_702_390_784n);
    expect(exposure(6, all).publicCount).toBe(2n ** 128n - 2n - 2n ** 121n - 2n ** 118n - 2n ** 120n);
  });

  it("describes ranges and counts for a message", () => {
    const list = ["198.51.100.0/24", "203.0.113.10/32", "192.0.2.0/25", "192.0.2.128/26"].map(range);
    expect(describeRanges(list, 2)).toBe("192.0.2.0/25, 192.0.2.128/26 and 2 more");
    expect(describeRanges(list, 4, true)).toBe(
      "198.51.100.0/24, 192.0.2.0/25, 192.0.2.128/26, 203.0.113.10/32",
    );
    expect(describeCount(3_702_390_784n)).toBe("3,702,390,784");
    expect(describeCount(2n ** 64n)).toBe("2^64");
    expect(describeCount(2n ** 128n - 3n)).toBe("about 2^128");
  });
});

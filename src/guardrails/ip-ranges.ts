/**
 * IP range arithmetic for the guardrails (IPv4 and IPv6, as BigInt so both families share one code path):
 * a lenient CIDR reader that understands a block the way AWS would store it, unions of ranges, the
 * non-public address space, and canonical formatting. The guardrails layer imports nothing from
 * src/config, so this is its own (src/config/cidr.ts validates config input, strictly, for IPv4 only).
 */

export type Family = 4 | 6;

/** A canonical CIDR block: no bits set outside the prefix. */
export interface Cidr {
  readonly family: Family;
  readonly network: bigint;
  readonly prefixLength: number;
}

/** A half-open interval of addresses [start, end) of one family. */
export interface IpRange {
  readonly family: Family;
  readonly start: bigint;
  readonly end: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

const blockSize = (family: Family, prefixLength: number) => 1n << BigInt(BITS[family] - prefixLength);

/**
 * Reads a CIDR block as leniently as needed to know what AWS would admit, and canonicalizes it.
 *
 * - Surrounding whitespace is ignored; a bare address is a single host (/32, /128).
 * - Host bits are cleared: AWS canonicalizes 100.68.0.18/18 to 100.68.0.0/18 (EC2 API reference,
 *   SecurityGroupRuleRequest, "AWS canonicalizes IPv4 and IPv6 CIDRs"), so that is what it admits.
 * - Leading zeros are accepted in the prefix length (`/00` is /0) and in IPv6 groups. In an IPv4
 *   octet they are ambiguous: a decimal reader takes `010` as 10, inet_aton as octal 8, and AWS does not
 *   document which it does. Both readings are returned, so a caller that takes their union can only
 *   over-report, never miss a range.
 *
 * Returns every reading (one, or two for an ambiguous IPv4 block), or undefined when the text is not an
 * IP range at all (AWS rejects it; the guardrail reports it as a value it cannot judge).
 */
export function readCidr(text: string): Cidr[] | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  if (prefixText !== undefined && !/^\d{1,5}$/.test(prefixText)) return undefined;
  if (address.includes(":")) {
    const network = readIpv6(address);
    return network === undefined ? undefined : withPrefix(6, [network], prefixText);
  }
  const readings = readIpv4(address);
  return readings === undefined ? undefined : withPrefix(4, readings, prefixText);
}

function withPrefix(family: Family, addresses: bigint[], prefixText: string | undefined): Cidr[] | undefined {
  const prefixLength = prefixText === undefined ? BITS[family] : Number(prefixText);
  if (prefixLength > BITS[family]) return undefined;
  const size = blockSize(family, prefixLength);
  const unique = [...new Set(addresses.map((a) => a - (a % size)))];
  return unique.map((network) => ({ family, network, prefixLength }));
}

/** Dotted quad; returns the decimal reading and, when it differs, the octal (inet_aton) one. */
function readIpv4(text: string): bigint[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,12}$/.test(p))) return undefined;
  const decimal = parts.map((p) => Number.parseInt(p, 10));
  if (decimal.some((o) => o > 255)) return undefined;
  const readings = [toBigInt(decimal)];
  if (parts.some((p) => p.length > 1 && p.startsWith("0"))) {
    const octal = parts.map((p) => (p.length > 1 && p.startsWith("0") ? octalOctet(p) : Number(p)));
    if (octal.every((o) => o !== undefined && o <= 255)) readings.push(toBigInt(octal as number[]));
  }
  return readings;
}

function octalOctet(text: string): number | undefined {
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

function toBigInt(octets: number[]): bigint {
  return octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

/** RFC 4291 text form: hex groups, at most one `::`, optionally a dotted IPv4 tail; no zone index. */
function readIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string): number[] | undefined => {
    if (half === "") return [];
    const groups: number[] = [];
    const parts = half.split(":");
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = readIpv4(part);
        if (v4?.length !== 1 || v4[0] === undefined) return undefined;
        groups.push(Number(v4[0] >> 16n), Number(v4[0] & 0xffffn));
      } else if (/^[0-9a-f]{1,8}$/i.test(part) && Number.parseInt(part, 16) <= 0xffff) {
        groups.push(Number.parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0] ?? "");
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1 && head.length !== 8) return undefined;
  if (halves.length === 2 && head.length + tail.length > 7) return undefined;
  const groups = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

export function toRange(cidr: Cidr): IpRange {
  return {
    family: cidr.family,
    start: cidr.network,
    end: cidr.network + blockSize(cidr.family, cidr.prefixLength),
  };
}

/** Sorted, with overlapping and adjacent ranges merged (per family). */
export function mergeRanges(ranges: readonly IpRange[]): IpRange[] {
  const sorted = [...ranges].sort((a, b) =>
    a.family !== b.family ? a.family - b.family : a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const out: IpRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.start <= last.end) {
      if (r.end > last.end) out[out.length - 1] = { ...last, end: r.end };
    } else {
      out.push(r);
    }
  }
  return out;
}

/** The addresses of `ranges` that are in none of `holes`. */
export function subtractRanges(ranges: readonly IpRange[], holes: readonly IpRange[]): IpRange[] {
  const cut = mergeRanges(holes);
  const out: IpRange[] = [];
  for (const r of mergeRanges(ranges)) {
    let start = r.start;
    for (const h of cut) {
      if (h.family !== r.family || h.end <= start || h.start >= r.end) continue;
      if (h.start > start) out.push({ family: r.family, start, end: h.start });
      start = h.end;
      if (start >= r.end) break;
    }
    if (start < r.end) out.push({ family: r.family, start, end: r.end });
  }
  return out;
}

export function countAddresses(ranges: readonly IpRange[]): bigint {
  return mergeRanges(ranges).reduce((sum, r) => sum + (r.end - r.start), 0n);
}

/** The fewest CIDR blocks that cover exactly `range`. */
export function rangeToCidrs(range: IpRange): Cidr[] {
  const bits = BITS[range.family];
  const out: Cidr[] = [];
  let start = range.start;
  while (start < range.end) {
    let prefixLength = bits;
    // Grow the block while it stays aligned at `start` and inside the range.
    while (prefixLength > 0) {
      const size = blockSize(range.family, prefixLength - 1);
      if (start % size !== 0n || start + size > range.end) break;
      prefixLength -= 1;
    }
    out.push({ family: range.family, network: start, prefixLength });
    start += blockSize(range.family, prefixLength);
  }
  return out;
}

/** Canonical text: dotted decimal, or RFC 5952 (lowercase, no leading zeros, longest zero run as `::`). */
export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.family, cidr.network)}/${cidr.prefixLength}`;
}

export function formatAddress(family: Family, address: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((address >> s) & 0xffn)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((address >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (best.length < 2) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`;
}

const ranges = (texts: string[]): IpRange[] =>
  texts.map((t) => {
    const [cidr] = readCidr(t) ?? [];
    if (!cidr) throw new Error(`bad built-in range ${t}`);
    return toRange(cidr);
  });

/**
 * Address space that is not the public internet: nobody outside can send from it to a VPC (RFC 6890
 * special-purpose blocks that are never routed there). Documentation blocks such as 203.0.113.0/24 are
 * deliberately not listed: they are counted as public, which can only over-report.
 */
export const NON_PUBLIC: Record<Family, readonly string[]> = {
  4: [
    "0.0.0.0/8", // "this network"
    "10.0.0.0/8", // RFC 1918
    "100.64.0.0/10", // RFC 6598 shared address space (carrier-grade NAT)
    "127.0.0.0/8", // loopback
    "169.254.0.0/16", // link-local
    "172.16.0.0/12", // RFC 1918
    "192.168.0.0/16", // RFC 1918
    "224.0.0.0/4", // multicast
    "240.0.0.0/4", // reserved, and 255.255.255.255
  ],
  6: [
    "::/128", // unspecified
    "::1/128", // loopback
    "fc00::/7", // unique local
    "fe80::/10", // link-local
    "ff00::/8", // multicast
  ],
};

const NON_PUBLIC_RANGES = ranges([...NON_PUBLIC[4], ...NON_PUBLIC[6]]);

/** What a set of admitted blocks means on the internet, for one family. */
export interface Exposure {
  readonly family: Family;
  /** Everything admitted, merged. */
  readonly admitted: readonly IpRange[];
  /** The public part of it, merged. */
  readonly public: readonly IpRange[];
  /** How many public addresses that is. */
  readonly publicCount: bigint;
}

export function exposure(family: Family, cidrs: readonly Cidr[]): Exposure {
  const admitted = mergeRanges(cidrs.filter((c) => c.family === family).map(toRange));
  const publicRanges = subtractRanges(admitted, NON_PUBLIC_RANGES);
  return { family, admitted, public: publicRanges, publicCount: countAddresses(publicRanges) };
}

/**
 * `ranges` merged, as canonical CIDR blocks in address order (or the largest first), at most `limit` of
 * them, then how many more.
 */
export function describeRanges(list: readonly IpRange[], limit: number, largestFirst = false): string {
  const blocks = mergeRanges(list).flatMap(rangeToCidrs);
  if (largestFirst) {
    blocks.sort((a, b) => a.prefixLength - b.prefixLength || (a.network < b.network ? -1 : 1));
  }
  const cidrs = blocks.map(formatCidr);
  const shown = cidrs.slice(0, limit).join(", ");
  return cidrs.length > limit ? `${shown} and ${cidrs.length - limit} more` : shown;
}

/** A count for a message: exact with thousands separators, or as a power of two when that is shorter. */
export function describeCount(count: bigint): string {
  if (count < 1_000_000_000_000n) return count.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const exact = (count & (count - 1n)) === 0n;
  const log2 = exact ? count.toString(2).length - 1 : Math.log2(Number(count));
  return exact ? `2^${log2}` : `about 2^${Number(log2.toFixed(1))}`;
}

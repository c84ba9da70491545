/**
 * Minimal IPv4 CIDR arithmetic, so that subnet layout is computed (and validated) at synth time
 * instead of being left to Terraform's `cidrsubnet()` where a mistake only shows at apply.
 */
export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefixLength: number;
}

/** Canonical digits only: no leading zeros in an octet or the prefix length. */
const CIDR_PATTERN = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(0|[1-9]\d?)$/;
const LENIENT_CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n` in canonical form; returns undefined for anything else. */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  return parseWith(CIDR_PATTERN, text);
}

/** Like parseCidr, but accepts leading zeros (read as decimal): to tell the user what they meant. */
export function parseCidrLenient(text: string): Ipv4Cidr | undefined {
  return parseWith(LENIENT_CIDR_PATTERN, text);
}

function parseWith(pattern: RegExp, text: string): Ipv4Cidr | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((o) => o > 255) || prefixLength > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { network: address, prefixLength };
}

/** True when the address has no bits set outside the prefix (10.0.0.0/16, not 10.0.1.0/16). */
export function isNetworkAddress(cidr: Ipv4Cidr): boolean {
  return cidr.network % blockSize(cidr.prefixLength) === 0;
}

export function formatCidr(cidr: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.network / 2 ** shift) % 256);
  return `${octets.join(".")}/${cidr.prefixLength}`;
}

function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

/** Same as Terraform's `cidrsubnet(prefix, newbits, netnum)`. */
export function cidrSubnet(parent: Ipv4Cidr, newBits: number, netNum: number): Ipv4Cidr {
  const prefixLength = parent.prefixLength + newBits;
  if (prefixLength > 32) throw new RangeError(`cannot add ${newBits} bits to /${parent.prefixLength}`);
  if (netNum < 0 || netNum >= 2 ** newBits)
    throw new RangeError(`netnum ${netNum} does not fit ${newBits} bits`);
  return { network: parent.network + netNum * blockSize(prefixLength), prefixLength };
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return (
    inner.prefixLength >= outer.prefixLength &&
    inner.network >= outer.network &&
    inner.network + blockSize(inner.prefixLength) <= outer.network + blockSize(outer.prefixLength)
  );
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return (
    a.network < b.network + blockSize(b.prefixLength) && b.network < a.network + blockSize(a.prefixLength)
  );
}

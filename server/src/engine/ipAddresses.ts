// IP address and CIDR handling with the API server's strictness: an address that Go's parsers,
// libc and ipaddr.js could read differently is never treated as a clean address.
import * as ipaddr from 'ipaddr.js';

export type IpFamily = 'ipv4' | 'ipv6';

export type AddressProblem =
  | 'not-an-ip'
  | 'whitespace'
  | 'cidr-notation'
  | 'zone-id'
  | 'leading-zeros'
  | 'ipv4-mapped'
  | 'unspecified'
  | 'loopback'
  | 'link-local'
  | 'link-local-multicast';

export type AddressCheck =
  | { ok: true; family: IpFamily; address: ipaddr.IPv4 | ipaddr.IPv6 }
  | { ok: false; problem: AddressProblem };

const IPV4_DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Strict dotted-quad: four decimal parts 0-255. Reports leading zeros separately (KEP-4858). */
function checkIPv4Text(text: string): 'ok' | 'leading-zeros' | 'invalid' {
  const match = IPV4_DOTTED.exec(text);
  if (!match) return 'invalid';
  let leadingZero = false;
  for (let i = 1; i <= 4; i++) {
    const part = match[i];
    if (Number(part) > 255) return 'invalid';
    if (part.length > 1 && part[0] === '0') leadingZero = true;
  }
  return leadingZero ? 'leading-zeros' : 'ok';
}

/** RFC 4291 text form as Go's net.ParseIP accepts it (no zone, 1-4 hex digits per group, optional trailing IPv4). */
function checkIPv6Text(text: string): 'ok' | 'leading-zeros' | 'invalid' {
  const halves = text.split('::');
  if (halves.length > 2) return 'invalid';
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const all = [...head, ...tail];
  let embeddedV4 = 'ok' as ReturnType<typeof checkIPv4Text>;
  let width = 0;
  for (let i = 0; i < all.length; i++) {
    const group = all[i];
    if (i === all.length - 1 && group.includes('.')) {
      embeddedV4 = checkIPv4Text(group);
      if (embeddedV4 === 'invalid') return 'invalid';
      width += 2;
    } else if (HEX_GROUP.test(group)) {
      width += 1;
    } else {
      return 'invalid';
    }
  }
  if (halves.length === 2 ? width > 7 : width !== 8) return 'invalid';
  return embeddedV4;
}

/** The IPv4 ranges the API server refuses as externalIPs (ValidateNonSpecialIP), parsed once. */
const SPECIAL_IPV4_RANGES: [AddressProblem, ipaddr.IPv4, number][] = (
  [
    ['unspecified', '0.0.0.0/32'],
    ['loopback', '127.0.0.0/8'],
    ['link-local', '169.254.0.0/16'],
    ['link-local-multicast', '224.0.0.0/24'],
  ] as const
).map(([problem, cidr]) => [problem, ...ipaddr.IPv4.parseCIDR(cidr)]);

/** The special addresses the API server refuses as externalIPs (ValidateNonSpecialIP). */
function specialAddressProblem(address: ipaddr.IPv4 | ipaddr.IPv6): AddressProblem | undefined {
  if (address.kind() === 'ipv4') {
    for (const [problem, range, bits] of SPECIAL_IPV4_RANGES) if ((address as ipaddr.IPv4).match(range, bits)) return problem;
    return undefined;
  }
  const bytes = address.toByteArray();
  if (bytes.every((b) => b === 0)) return 'unspecified';
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return 'loopback';
  if (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80) return 'link-local';
  // Go's IsLinkLocalMulticast: ff02::/16 and the same scope with any flags (ffX2::).
  if (bytes[0] === 0xff && (bytes[1] & 0x0f) === 0x02) return 'link-local-multicast';
  return undefined;
}

/** Classifies one externalIPs entry the way the API server's strict validation would. */
export function checkExternalIP(text: string): AddressCheck {
  if (text.trim() !== text) return { ok: false, problem: 'whitespace' };
  if (text.includes('/')) return { ok: false, problem: 'cidr-notation' };
  if (text.includes('%')) return { ok: false, problem: 'zone-id' };
  const isV6 = text.includes(':');
  const syntax = isV6 ? checkIPv6Text(text) : checkIPv4Text(text);
  if (syntax === 'invalid') return { ok: false, problem: 'not-an-ip' };
  if (syntax === 'leading-zeros') return { ok: false, problem: 'leading-zeros' };
  const address = isV6 ? ipaddr.IPv6.parse(text) : ipaddr.IPv4.parse(text);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return { ok: false, problem: 'ipv4-mapped' };
  }
  const special = specialAddressProblem(address);
  if (special) return { ok: false, problem: special };
  return { ok: true, family: address.kind() === 'ipv4' ? 'ipv4' : 'ipv6', address };
}

export const ADDRESS_PROBLEM_TEXT: Record<AddressProblem, string> = {
  'not-an-ip': 'is not a valid IP address',
  whitespace: 'has surrounding whitespace, which parsers treat differently',
  'cidr-notation': 'is CIDR notation; externalIPs takes single addresses',
  'zone-id': 'carries an IPv6 zone id, which the API server rejects',
  'leading-zeros': 'is IPv4 with leading zeros, which Go once read as decimal and libc reads as octal (rejected since KEP-4858)',
  'ipv4-mapped': 'is an IPv4-mapped IPv6 address, which can smuggle an IPv4 address past an allowlist (rejected since KEP-4858)',
  unspecified: 'is the unspecified address, which the API server rejects',
  loopback: 'is a loopback address, which the API server rejects',
  'link-local': 'is a link-local address, which the API server rejects',
  'link-local-multicast': 'is a link-local multicast address, which the API server rejects',
};

/**
 * An allowlist entry, parsed. Plain data (no ipaddr.js objects), so engine options that carry it cross
 * to the scan's worker threads intact and compare as JSON.
 */
export interface ParsedCidr {
  /** As the user wrote it. */
  text: string;
  family: IpFamily;
  /** The address part's bytes (4 or 16), host bits included, as written. */
  networkBytes: number[];
  prefixLength: number;
}

/**
 * Parses an allowlist entry: a CIDR or a single address (taken as /32 or /128). Returns an error
 * message instead when the entry is not one that Go's net.ParseCIDR would accept unambiguously.
 */
export function parseAllowedCidr(text: string): ParsedCidr | { error: string } {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  const isV6 = addressText.includes(':');
  const syntax = isV6 ? checkIPv6Text(addressText) : checkIPv4Text(addressText);
  if (text.trim() !== text) return { error: `"${text}" has surrounding whitespace` };
  if (syntax === 'invalid') return { error: `"${text}" is not a valid CIDR or IP address` };
  if (syntax === 'leading-zeros') return { error: `"${text}" has an IPv4 part with leading zeros, which is ambiguous` };
  const maxPrefix = isV6 ? 128 : 32;
  let prefixLength = maxPrefix;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      return { error: `"${text}" has an invalid prefix length (0-${maxPrefix})` };
    }
    prefixLength = Number(prefixText);
  }
  const network = isV6 ? ipaddr.IPv6.parse(addressText) : ipaddr.IPv4.parse(addressText);
  if (network.kind() === 'ipv6' && (network as ipaddr.IPv6).isIPv4MappedAddress()) {
    return { error: `"${text}" is an IPv4-mapped IPv6 range; write the IPv4 range instead` };
  }
  return { text, family: isV6 ? 'ipv6' : 'ipv4', networkBytes: network.toByteArray(), prefixLength };
}

/** Whether the address lies in the CIDR's network (its first prefixLength bits), as Go's ParseCIDR masks. */
export function cidrContains(cidr: ParsedCidr, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() !== cidr.family) return false;
  return samePrefix(address.toByteArray(), cidr.networkBytes, cidr.prefixLength);
}

function samePrefix(a: readonly number[], b: readonly number[], bits: number): boolean {
  const wholeBytes = bits >> 3;
  for (let i = 0; i < wholeBytes; i++) if (a[i] !== b[i]) return false;
  const restBits = bits & 7;
  if (restBits === 0) return true;
  const mask = (0xff << (8 - restBits)) & 0xff;
  return (a[wholeBytes] & mask) === (b[wholeBytes] & mask);
}

/** The single-address CIDR for an address, as the "allow this IP" fix writes it. */
export function hostCidr(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  return address.kind() === 'ipv4' ? `${address.toString()}/32` : `${address.toString()}/128`;
}

/** Whether every address of `inner` lies in `outer` (same family, a prefix at least as long, inside it). */
export function cidrWithin(inner: ParsedCidr, outer: ParsedCidr): boolean {
  return inner.family === outer.family && inner.prefixLength >= outer.prefixLength && samePrefix(inner.networkBytes, outer.networkBytes, outer.prefixLength);
}

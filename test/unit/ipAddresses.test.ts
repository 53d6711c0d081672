import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkExternalIP, cidrContains, hostCidr, parseAllowedCidr, ParsedCidr } from '../../server/src/engine/ipAddresses';

function problem(text: string): string {
  const check = checkExternalIP(text);
  return check.ok ? `ok:${check.family}` : check.problem;
}

function cidr(text: string): ParsedCidr {
  const parsed = parseAllowedCidr(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

function contains(range: string, ip: string): boolean {
  const check = checkExternalIP(ip);
  assert.ok(check.ok, `${ip} should be a clean address`);
  return cidrContains(cidr(range), check.address);
}

describe('checkExternalIP: clean addresses', () => {
  for (const [text, family] of [
    ['1.2.3.4', 'ipv4'],
    ['203.0.113.10', 'ipv4'],
    ['0.0.0.1', 'ipv4'],
    ['255.255.255.255', 'ipv4'],
    ['224.0.1.1', 'ipv4'], // multicast, but not link-local multicast (224.0.0.0/24)
    ['2001:db8::1', 'ipv6'],
    ['2001:DB8::1', 'ipv6'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 'ipv6'],
    ['ff05::1', 'ipv6'], // site-local multicast is not rejected
    ['fec0::1', 'ipv6'], // outside fe80::/10
  ] as const) {
    it(`${text} is a clean ${family} address`, () => assert.equal(problem(text), `ok:${family}`));
  }
});

describe('checkExternalIP: what the API server rejects or parsers read differently', () => {
  const cases: [string, string][] = [
    ['', 'not-an-ip'],
    ['example.com', 'not-an-ip'],
    ['1.2.3', 'not-an-ip'],
    ['1.2.3.4.5', 'not-an-ip'],
    ['256.1.1.1', 'not-an-ip'],
    ['0x7f.0.0.1', 'not-an-ip'],
    ['1.2.3.-4', 'not-an-ip'],
    ['2001:db8:::1', 'not-an-ip'],
    ['2001:db8::1::2', 'not-an-ip'],
    ['1:2:3:4:5:6:7:8:9', 'not-an-ip'],
    ['12345::1', 'not-an-ip'],
    ['[2001:db8::1]', 'not-an-ip'],
    ['١.٢.٣.٤', 'not-an-ip'], // Arabic-Indic digits are not ASCII digits
    [' 1.2.3.4', 'whitespace'],
    ['1.2.3.4 ', 'whitespace'],
    ['1.2.3.4\n', 'whitespace'],
    ['\t2001:db8::1', 'whitespace'],
    ['1.2.3.4/32', 'cidr-notation'],
    ['2001:db8::/64', 'cidr-notation'],
    ['fe80::1%eth0', 'zone-id'],
    ['2001:db8::1%1', 'zone-id'],
    ['010.1.1.1', 'leading-zeros'],
    ['1.2.3.04', 'leading-zeros'],
    ['00.0.0.0', 'leading-zeros'],
    ['::ffff:010.1.1.1', 'leading-zeros'],
    ['::ffff:1.2.3.4', 'ipv4-mapped'],
    ['::FFFF:1.2.3.4', 'ipv4-mapped'],
    ['::ffff:102:304', 'ipv4-mapped'],
    ['0:0:0:0:0:ffff:0102:0304', 'ipv4-mapped'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:0', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['224.0.0.1', 'link-local-multicast'],
    ['224.0.0.251', 'link-local-multicast'],
    ['ff02::1', 'link-local-multicast'],
    ['ff12::1', 'link-local-multicast'], // flags set, link-local scope: Go's IsLinkLocalMulticast
    ['FF32::FB', 'link-local-multicast'],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(problem(text), expected));
  }
});

describe('parseAllowedCidr and cidrContains', () => {
  it('accepts IPv4 and IPv6 CIDRs and single addresses', () => {
    assert.equal(cidr('10.0.0.0/8').prefixLength, 8);
    assert.equal(cidr('203.0.113.7').prefixLength, 32);
    assert.equal(cidr('2001:db8::/32').family, 'ipv6');
    assert.equal(cidr('2001:db8::1').prefixLength, 128);
    assert.equal(cidr('0.0.0.0/0').prefixLength, 0);
  });

  it('rejects entries Go would not accept unambiguously', () => {
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/8/8', ' 10.0.0.0/8', '010.0.0.0/8', 'foo', '::ffff:10.0.0.0/104', '10.0.0.0/-1', '10.0.0.0/ 8']) {
      assert.ok('error' in parseAllowedCidr(bad), `${bad} should be rejected`);
    }
  });

  it('matches within the prefix, by family', () => {
    assert.ok(contains('10.0.0.0/8', '10.255.1.2'));
    assert.ok(!contains('10.0.0.0/8', '11.0.0.1'));
    assert.ok(contains('203.0.113.7', '203.0.113.7'));
    assert.ok(!contains('203.0.113.7', '203.0.113.8'));
    assert.ok(contains('2001:db8::/32', '2001:DB8:0:0:0:0:0:1'));
    assert.ok(contains('2001:DB8::/32', '2001:db8::abcd'));
    assert.ok(!contains('2001:db8::/32', '2001:db9::1'));
    assert.ok(!contains('0.0.0.0/0', '2001:db8::1'), 'an IPv4 range never allows an IPv6 address');
    assert.ok(!contains('::/0', '1.2.3.4'), 'an IPv6 range never allows an IPv4 address');
    // A host address in a CIDR with host bits set still names the network (Go's ParseCIDR masks it).
    assert.ok(contains('10.1.2.3/8', '10.9.9.9'));
  });

  it('writes host CIDRs in canonical form', () => {
    const v4 = checkExternalIP('203.0.113.9');
    const v6 = checkExternalIP('2001:0DB8:0000::0001');
    assert.ok(v4.ok && v6.ok);
    assert.equal(hostCidr(v4.address), '203.0.113.9/32');
    assert.equal(hostCidr(v6.address), '2001:db8::1/128');
  });
});

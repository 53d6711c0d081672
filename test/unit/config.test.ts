import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import {
  addAllowedCidr,
  CONFIG_FILE_KEYS,
  CONFIG_FILE_NAME,
  clusterKey,
  clusterNameOf,
  ConfigProblem,
  DEFAULT_RULE_SEVERITY,
  DEFAULT_SETTINGS,
  EffectiveSettings,
  GuardSettings,
  mergeSettings,
  parseProjectConfig,
  SETTING_KEYS,
  validateSettings,
} from '../../server/src/engine/config';
import { LineIndex } from '../../server/src/engine/lineIndex';
import { engineOptionsFor } from '../../server/src/lsp/fileChecker';
import { RULE_IDS, SEVERITY_SETTINGS } from '../../server/src/engine/types';
import { cpuStopwatch } from '../support/cpuTime';

/** The text a problem's range covers, to assert problems point at the exact node. */
function textAt(text: string, problem: ConfigProblem): string {
  const index = new LineIndex(text);
  return text.slice(index.offsetAt(problem.range.start), index.offsetAt(problem.range.end));
}

function withinOneSecond<T>(run: () => T): T {
  const cpuMs = cpuStopwatch();
  const result = run();
  const used = cpuMs();
  assert.ok(used < 1000, `took ${used} ms of CPU`);
  return result;
}

describe('constants', () => {
  it('names the file and defaults as documented', () => {
    assert.equal(CONFIG_FILE_NAME, '.kube-mitm-guard.yaml');
    assert.deepEqual({ ...DEFAULT_SETTINGS }, {
      allowedExternalIPCidrs: [],
      rules: {},
      scope: 'workspace',
      exclude: [],
      maxFileSizeKB: 2048,
      statusWriters: [],
    });
    assert.deepEqual(DEFAULT_RULE_SEVERITY, {
      'external-ips': 'error',
      'external-ip-invalid': 'error',
      'external-ip-conflict': 'warning',
      'loadbalancer-status': 'warning',
      'rbac-services-status': 'warning',
      'rbac-services-status-binding': 'error',
      'rbac-endpoints-write': 'information',
      'rbac-endpoints-write-binding': 'error',
      'mitigation-not-enforced': 'warning',
      'mitigation-allowlist': 'warning',
      'external-ips-deprecated': 'hint',
      'deny-external-ips-admission': 'information',
    });
    assert.deepEqual(Object.keys(DEFAULT_RULE_SEVERITY).sort(), [...RULE_IDS].sort());
    assert.deepEqual([...SETTING_KEYS].sort(), Object.keys(DEFAULT_SETTINGS).sort());
  });
});

describe('parseProjectConfig: valid files', () => {
  it('reads every key', () => {
    const text = [
      '# project policy',
      'allowedExternalIPCidrs:',
      '  - 203.0.113.0/24',
      '  - "2001:db8::/64"',
      '  - 198.51.100.7',
      'rules:',
      '  external-ips: warning',
      '  rbac-services-status: off',
      'scope: openFiles',
      'exclude: [charts/**, "*.generated.yaml"]',
      'maxFileSizeKB: 512',
      'statusWriters:',
      '  - system:serviceaccount:metallb-system:controller',
      '  - lb-operators',
      '',
    ].join('\n');
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      allowedExternalIPCidrs: ['203.0.113.0/24', '2001:db8::/64', '198.51.100.7'],
      rules: { 'external-ips': 'warning', 'rbac-services-status': 'off' },
      scope: 'openFiles',
      exclude: ['charts/**', '*.generated.yaml'],
      maxFileSizeKB: 512,
      statusWriters: ['system:serviceaccount:metallb-system:controller', 'lb-operators'],
    });
  });

  it('returns nothing for empty, whitespace-only and comment-only files', () => {
    for (const text of ['', '   \n\n', '# nothing here\n# at all\n', '---\n', '\ufeff']) {
      assert.deepEqual(parseProjectConfig(text), { settings: {}, problems: [] }, JSON.stringify(text));
    }
  });

  it('keeps an empty allowlist (meaning: allow no externalIP)', () => {
    assert.deepEqual(parseProjectConfig('allowedExternalIPCidrs: []\n').settings, { allowedExternalIPCidrs: [] });
  });

  it('resolves aliases to anchored values', () => {
    const text = 'x-shared: &nets [10.0.0.0/8]\nallowedExternalIPCidrs: *nets\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings.allowedExternalIPCidrs, ['10.0.0.0/8']);
    assert.equal(problems.length, 1); // x-shared is an unknown key
    assert.match(problems[0].message, /Unknown setting "x-shared"/);
  });

  it('handles a BOM and CRLF line endings with correct ranges', () => {
    const text = '\ufeffallowedExternalIPCidrs:\r\n  - 10.0.0.0/8\r\n  - 10.0.0.300/8\r\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings.allowedExternalIPCidrs, ['10.0.0.0/8']);
    assert.equal(problems.length, 1);
    assert.deepEqual(problems[0].range, { start: { line: 2, character: 4 }, end: { line: 2, character: 16 } });
  });
});

describe('parseProjectConfig: invalid entries are reported at their node and dropped', () => {
  it('drops one bad CIDR and keeps the others', () => {
    const text = 'allowedExternalIPCidrs:\n  - 10.0.0.0/8\n  - 010.1.1.1/32\n  - 192.168.0.0/33\n  - 172.16.0.0/12\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings.allowedExternalIPCidrs, ['10.0.0.0/8', '172.16.0.0/12']);
    assert.deepEqual(problems.map((p) => [textAt(text, p), p.severity]), [
      ['010.1.1.1/32', 'error'],
      ['192.168.0.0/33', 'error'],
    ]);
    assert.match(problems[0].message, /^allowedExternalIPCidrs\[1\]: .*leading zeros/);
    assert.match(problems[1].message, /^allowedExternalIPCidrs\[2\]: .*prefix length/);
    assert.deepEqual(problems[0].range, { start: { line: 2, character: 4 }, end: { line: 2, character: 16 } });
  });

  it('rejects non-string allowlist entries and a non-list allowlist', () => {
    const text = 'allowedExternalIPCidrs: [42, [10.0.0.0/8], {a: b}, 10.0.0.0/8, ::ffff:1.2.3.4]\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings.allowedExternalIPCidrs, ['10.0.0.0/8']);
    assert.deepEqual(problems.map((p) => textAt(text, p)), ['42', '[10.0.0.0/8]', '{a: b}', '::ffff:1.2.3.4']);
    assert.match(problems[0].message, /must be a string, not number 42/);
    assert.match(problems[3].message, /IPv4-mapped/);

    const scalar = 'allowedExternalIPCidrs: 10.0.0.0/8\n';
    const result = parseProjectConfig(scalar);
    assert.deepEqual(result.settings, {});
    assert.equal(textAt(scalar, result.problems[0]), '10.0.0.0/8');
    assert.match(result.problems[0].message, /must be a list of strings/);
  });

  it('reports unknown rule ids at the key and bad severities at the value', () => {
    const text = 'rules:\n  external-ips: off\n  externalips: error\n  loadbalancer-status: fatal\n  rbac-services-status: 3\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings.rules, { 'external-ips': 'off' });
    assert.deepEqual(problems.map((p) => textAt(text, p)), ['externalips', 'fatal', '3']);
    assert.match(problems[0].message, /unknown rule "externalips" \(known rules: external-ips, /);
    assert.match(problems[1].message, /rules\.loadbalancer-status: "fatal" is not a severity/);
  });

  it('rejects a rules value that is not a mapping', () => {
    const text = 'rules: [external-ips]\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, {});
    assert.equal(textAt(text, problems[0]), '[external-ips]');
  });

  it('validates scope, exclude and maxFileSizeKB', () => {
    const text = [
      'scope: everywhere',
      'exclude: ["build/**", "", "!keep.yaml", 7, " !x"]',
      'maxFileSizeKB: 0',
    ].join('\n');
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, { exclude: ['build/**'] });
    assert.deepEqual(problems.map((p) => textAt(text, p)), ['everywhere', '""', '"!keep.yaml"', '7', '" !x"', '0']);
    assert.match(problems[0].message, /scope: "everywhere" is not a scope \(use one of workspace, openFiles, off\)/);
    assert.match(problems[2].message, /negated patterns are not supported/);
  });

  it('validates statusWriters: non-empty names, service accounts with exactly a namespace and a name', () => {
    const text = [
      'statusWriters:',
      '  - system:serviceaccount:metallb-system:controller',
      '  - ""',
      '  - "  "',
      '  - system:serviceaccount:metallb-system',
      '  - system:serviceaccount::controller',
      '  - system:serviceaccount:metallb-system:',
      '  - system:serviceaccount:a:b:c',
      '  - 42',
      '  - system:serviceaccounts:metallb-system',
      '  - alice',
      '',
    ].join('\n');
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, {
      statusWriters: ['system:serviceaccount:metallb-system:controller', 'system:serviceaccounts:metallb-system', 'alice'],
    });
    assert.deepEqual(problems.map((p) => [textAt(text, p), p.severity]), [
      ['""', 'error'],
      ['"  "', 'error'],
      ['system:serviceaccount:metallb-system', 'error'],
      ['system:serviceaccount::controller', 'error'],
      ['system:serviceaccount:metallb-system:', 'error'],
      ['system:serviceaccount:a:b:c', 'error'],
      ['42', 'error'],
    ]);
    assert.match(problems[0].message, /^statusWriters\[1\]: an empty name matches no user, group or service account$/);
    assert.equal(
      problems[2].message,
      'statusWriters[3]: "system:serviceaccount:metallb-system": a service account is written system:serviceaccount:<namespace>:<name>, both non-empty',
    );
    assert.deepEqual(problems[2].range, { start: { line: 4, character: 4 }, end: { line: 4, character: 40 } });
    assert.match(problems[6].message, /^statusWriters\[7\] must be a string, not number 42$/);

    const scalar = 'statusWriters: alice\n';
    const result = parseProjectConfig(scalar);
    assert.deepEqual(result.settings, {});
    assert.equal(textAt(scalar, result.problems[0]), 'alice');
    assert.match(result.problems[0].message, /^statusWriters must be a list of strings/);
    assert.deepEqual(parseProjectConfig('statusWriters: []\n').settings, { statusWriters: [] });
  });

  it('refuses whole populations as statusWriters: trusting them would hide every grant to them', () => {
    const populations = ['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts', 'system:anonymous'];
    const text = ['statusWriters:', ...populations.map((name) => `  - ${name}`), '  - system:serviceaccounts:metallb-system', ''].join('\n');
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, { statusWriters: ['system:serviceaccounts:metallb-system'] });
    assert.deepEqual(
      problems.map((problem) => [textAt(text, problem), problem.severity]),
      populations.map((name) => [name, 'error']),
    );
    assert.equal(
      problems[0].message,
      'statusWriters[0]: "system:authenticated" is a whole population of the cluster, not a load-balancer controller: trusting it would hide every grant to it',
    );
  });

  it('reads clusters in file order and validates names and globs', () => {
    const text = [
      'clusters:',
      '  prod: [clusters/prod, "shared/**"]',
      '  staging:',
      '    - clusters/staging',
      '    - ""',
      '    - "!clusters/prod"',
      '    - 7',
      '  "": [x]',
      '  prod: [again]',
      '  1: [numbered]',
      '  empty: []',
      '',
    ].join('\n');
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, {
      clusters: [
        { name: 'prod', globs: ['clusters/prod', 'shared/**'] },
        { name: 'staging', globs: ['clusters/staging'] },
        { name: 'empty', globs: [] },
      ],
    });
    assert.deepEqual(problems.map((p) => [textAt(text, p), p.severity, p.message]), [
      ['""', 'error', 'clusters.staging[1]: an empty pattern matches no file'],
      ['"!clusters/prod"', 'error', 'clusters.staging[2]: "!clusters/prod": negated patterns are not supported'],
      ['7', 'error', 'clusters.staging[3] must be a string, not number 7'],
      ['""', 'error', 'clusters: a cluster name must be a non-empty string, not ""'],
      ['prod', 'error', 'clusters.prod is given twice; the first value is used'],
      ['1', 'error', 'clusters: a cluster name must be a non-empty string, not number 1'],
    ]);
    for (const [bad, message] of [
      ['clusters: [prod]', 'clusters must be a mapping of cluster name to a list of folder globs, not a list'],
      ['clusters: clusters/prod', 'clusters must be a mapping of cluster name to a list of folder globs, not "clusters/prod"'],
      ['clusters: {prod: clusters/prod}', 'clusters.prod must be a list of strings, not "clusters/prod"'],
      ['clusters: {prod: ~}', 'clusters.prod must be a list of strings, not nothing'],
    ]) {
      const result = parseProjectConfig(`${bad}\n`);
      assert.deepEqual(result.problems.map((p) => p.message), [message], bad);
    }
  });

  it('takes clusters from the policy file only: the editor settings do not own the key', () => {
    assert.deepEqual(validateSettings({ clusters: { prod: ['clusters/prod'] } }), { settings: {}, problems: [] });
  });

  it('accepts only whole positive kilobyte counts', () => {
    for (const bad of ['-1', '1.5', '"100"', '.inf', '.nan', '[1]', '99999999999999999999']) {
      const result = parseProjectConfig(`maxFileSizeKB: ${bad}\n`);
      assert.deepEqual(result.settings, {}, bad);
      assert.equal(result.problems.length, 1, bad);
    }
    assert.deepEqual(parseProjectConfig('maxFileSizeKB: 1\n').settings, { maxFileSizeKB: 1 });
  });

  it('warns about unknown keys, with a hint for the editor prefix', () => {
    const text = 'kubeMitmGuard.scope: off\nallowedCidrs: [10.0.0.0/8]\n<<: {scope: off}\nscope: off\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, { scope: 'off' });
    assert.deepEqual(problems.map((p) => [textAt(text, p), p.severity]), [
      ['kubeMitmGuard.scope', 'warning'],
      ['allowedCidrs', 'warning'],
      ['<<', 'warning'],
    ]);
    assert.match(problems[0].message, /without the "kubeMitmGuard\." prefix/);
    assert.match(problems[1].message, /known settings: allowedExternalIPCidrs, rules, scope, exclude, maxFileSizeKB, statusWriters/);
  });

  it('uses the first of duplicate keys and reports the later one', () => {
    const text = 'scope: off\nscope: workspace\nrules:\n  external-ips: off\n  external-ips: error\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, { scope: 'off', rules: { 'external-ips': 'off' } });
    assert.equal(problems.length, 2);
    assert.deepEqual(problems.map((p) => p.range.start.line), [1, 4]);
  });

  it('warns about keys without a value', () => {
    const text = 'allowedExternalIPCidrs:\nscope: ~\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, {});
    assert.deepEqual(problems.map((p) => [textAt(text, p), p.severity]), [
      ['allowedExternalIPCidrs', 'warning'],
      ['~', 'warning'],
    ]);
  });

  it('rejects non-string keys and non-mapping files', () => {
    const keys = parseProjectConfig('? [a]\n: 1\n1: 2\n');
    assert.equal(keys.problems.length, 2);
    for (const text of ['- 10.0.0.0/8\n', 'just a string\n', '42\n']) {
      const result = parseProjectConfig(text);
      assert.deepEqual(result.settings, {}, text);
      assert.equal(result.problems.length, 1, text);
      assert.match(result.problems[0].message, /must be a mapping/);
    }
  });

  it('reports unknown aliases and binary tags', () => {
    const text = 'allowedExternalIPCidrs: *missing\nexclude: [!!binary aGVsbG8=]\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, { exclude: [] });
    assert.equal(problems.length, 2);
    assert.match(problems[0].message, /\*missing has no matching anchor/);
    assert.match(problems[1].message, /binary data/);
  });
});

describe('parseProjectConfig: broken and hostile files fall back to defaults', () => {
  it('ignores the whole file after a YAML syntax error, pointing at the error', () => {
    const text = 'allowedExternalIPCidrs: [10.0.0.0/8\nscope: off\n';
    const { settings, problems } = parseProjectConfig(text);
    assert.deepEqual(settings, {});
    assert.ok(problems.length >= 1);
    assert.ok(problems.every((p) => p.severity === 'error' && /ignored until this is fixed/.test(p.message)));
  });

  it('refuses multiple documents', () => {
    const { settings, problems } = parseProjectConfig('scope: off\n---\nscope: workspace\n');
    assert.deepEqual(settings, {});
    assert.equal(problems.length, 1);
    assert.equal(problems[0].range.start.line, 1);
  });

  it('survives 10,000 unclosed brackets within a second', () => {
    const { settings, problems } = withinOneSecond(() => parseProjectConfig('['.repeat(10_000)));
    assert.deepEqual(settings, {});
    assert.match(problems[0].message, /nest more than 64 levels/);
  });

  it('survives deep balanced flow nesting, block nesting and compact sequences in one process', () => {
    // Once the yaml composer overflowed the stack, a second deep parse could abort node itself.
    const hostile = [
      '['.repeat(10_000),
      'allowedExternalIPCidrs: ' + '['.repeat(10_000) + ']'.repeat(10_000),
      '{a: '.repeat(10_000) + '}'.repeat(10_000),
      Array.from({ length: 3000 }, (_, depth) => `${' '.repeat(depth)}a:`).join('\n'),
      '- '.repeat(10_000) + 'x',
      '? '.repeat(10_000) + 'x',
      '&a '.repeat(10_000) + 'x',
    ];
    for (const text of hostile) {
      const { settings, problems } = withinOneSecond(() => parseProjectConfig(text));
      assert.deepEqual(settings, {});
      assert.ok(problems.length >= 1);
    }
  });

  it('does not expand alias bombs', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('allowedExternalIPCidrs: *a9', 'exclude: *a9');
    const { settings, problems } = withinOneSecond(() => parseProjectConfig(lines.join('\n')));
    // Every entry is a list, so both lists end up empty.
    assert.deepEqual(settings, { allowedExternalIPCidrs: [], exclude: [] });
    assert.ok(problems.some((p) => /allowedExternalIPCidrs\[0\] must be a string, not a list/.test(p.message)));
  });

  it('refuses files over a megabyte quickly', () => {
    const text = 'exclude:\n' + '  - some/very/long/path/pattern/**\n'.repeat(40_000);
    const { settings, problems } = withinOneSecond(() => parseProjectConfig(text));
    assert.deepEqual(settings, {});
    assert.match(problems[0].message, /larger than/);
  });

  it('never throws for odd text', () => {
    for (const text of ['\0\0\0', ':', '- - -', '!!', '&', '*', '"unterminated', '%YAML 9.9\n---\na: 1', '\t\tscope: off', '{', '}']) {
      assert.doesNotThrow(() => parseProjectConfig(text), JSON.stringify(text));
    }
  });
});

describe('validateSettings', () => {
  it('accepts valid editor settings and ignores keys it does not own', () => {
    const raw = {
      allowedExternalIPCidrs: ['10.0.0.0/8'],
      rules: { 'loadbalancer-status': 'error' },
      scope: 'off',
      exclude: ['dist'],
      maxFileSizeKB: 100,
      statusWriters: ['system:serviceaccount:metallb-system:controller'],
      trace: { server: 'verbose' },
    };
    assert.deepEqual(validateSettings(raw), {
      settings: {
        allowedExternalIPCidrs: ['10.0.0.0/8'],
        rules: { 'loadbalancer-status': 'error' },
        scope: 'off',
        exclude: ['dist'],
        maxFileSizeKB: 100,
        statusWriters: ['system:serviceaccount:metallb-system:controller'],
      },
      problems: [],
    });
  });

  it('drops invalid values with messages naming the key, keeping the valid ones', () => {
    const { settings, problems } = validateSettings({
      allowedExternalIPCidrs: ['10.0.0.0/8', 'not-an-ip', 5],
      rules: { 'external-ips': 'loud', nope: 'off', 'rbac-services-status': 'hint' },
      scope: 3,
      exclude: 'dist',
      maxFileSizeKB: -5,
      statusWriters: ['alice', '', 'system:serviceaccount:x'],
    });
    assert.deepEqual(settings, { allowedExternalIPCidrs: ['10.0.0.0/8'], rules: { 'rbac-services-status': 'hint' }, statusWriters: ['alice'] });
    assert.equal(problems.length, 9);
    assert.match(problems[0], /^allowedExternalIPCidrs\[1\]: "not-an-ip" is not a valid CIDR/);
    assert.match(problems[1], /^allowedExternalIPCidrs\[2\] must be a string/);
    assert.match(problems[2], /^rules\.external-ips: "loud" is not a severity/);
    assert.match(problems[3], /^rules: unknown rule "nope"/);
    assert.match(problems[4], /^scope: /);
    assert.match(problems[5], /^exclude must be a list/);
    assert.match(problems[6], /^maxFileSizeKB /);
    assert.match(problems[7], /^statusWriters\[1\]: an empty name/);
    assert.match(problems[8], /^statusWriters\[2\]: "system:serviceaccount:x": a service account is written/);
  });

  it('treats missing and null values as unset', () => {
    assert.deepEqual(validateSettings(undefined), { settings: {}, problems: [] });
    assert.deepEqual(validateSettings(null), { settings: {}, problems: [] });
    assert.deepEqual(validateSettings({ scope: null, rules: undefined }), { settings: {}, problems: [] });
  });

  it('reports a section that is not an object', () => {
    const result = validateSettings('workspace');
    assert.deepEqual(result.settings, {});
    assert.equal(result.problems.length, 1);
  });

  it('does not walk deep or cyclic values', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    cyclic.rules = cyclic;
    const result = validateSettings(cyclic);
    assert.deepEqual(result.settings, { rules: {} });
    assert.ok(result.problems.length >= 1);
  });
});

describe('mergeSettings', () => {
  /** The merged settings with the allowlist as written, for comparing. */
  function written(settings: EffectiveSettings): unknown {
    const { allowedCidrs, ...engine } = settings.engine;
    return { ...settings, engine: { ...engine, allowedCidrs: allowedCidrs.map((cidr) => cidr.text) } };
  }

  it('uses the defaults when nothing is set', () => {
    const merged = mergeSettings([]);
    assert.deepEqual(written(merged), {
      engine: { allowedCidrs: [], rules: {}, statusWriters: [] },
      scope: DEFAULT_SETTINGS.scope,
      exclude: [],
      maxFileSizeKB: DEFAULT_SETTINGS.maxFileSizeKB,
      clusters: { definitions: [] },
    });
    assert.notEqual(merged.engine.statusWriters, DEFAULT_SETTINGS.statusWriters, 'fresh arrays, never the frozen defaults');
    assert.ok(Object.isFrozen(DEFAULT_SETTINGS.exclude));
  });

  it('unites lists, lets the file win over the editor for rules and single values', () => {
    const editor: Partial<GuardSettings> = {
      allowedExternalIPCidrs: ['10.0.0.0/8', '192.168.0.0/16'],
      rules: { 'external-ips': 'off', 'loadbalancer-status': 'hint' },
      scope: 'openFiles',
      exclude: ['dist', 'build'],
      maxFileSizeKB: 10,
      statusWriters: ['system:serviceaccount:metallb-system:controller', 'lb-operators'],
    };
    const file: Partial<GuardSettings> = {
      allowedExternalIPCidrs: ['192.168.0.0/16', '2001:db8::/32'],
      rules: { 'external-ips': 'error' },
      scope: 'workspace',
      exclude: ['build', 'charts/**'],
      maxFileSizeKB: 20,
      statusWriters: ['lb-operators', 'system:serviceaccount:kube-vip:kube-vip'],
    };
    assert.deepEqual(written(mergeSettings([{ settings: editor }, { settings: file }])), {
      engine: {
        allowedCidrs: ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'],
        rules: { 'external-ips': 'error', 'loadbalancer-status': 'hint' },
        statusWriters: ['system:serviceaccount:metallb-system:controller', 'lb-operators', 'system:serviceaccount:kube-vip:kube-vip'],
      },
      scope: 'workspace',
      exclude: [{ globs: ['dist', 'build', 'charts/**'] }],
      maxFileSizeKB: 20,
      clusters: { definitions: [] },
    });
    assert.deepEqual(editor.rules, { 'external-ips': 'off', 'loadbalancer-status': 'hint' }, 'inputs untouched');
  });

  it('falls back to the editor for keys the file does not set', () => {
    assert.deepEqual(written(mergeSettings([{ settings: { scope: 'off', maxFileSizeKB: 5, statusWriters: ['alice'] } }, { settings: { exclude: ['x'] } }])), {
      engine: { allowedCidrs: [], rules: {}, statusWriters: ['alice'] },
      scope: 'off',
      exclude: [{ globs: ['x'] }],
      maxFileSizeKB: 5,
      clusters: { definitions: [] },
    });
  });

  it('lets command-line flags win over the file, keeping each layer\'s globs relative to its own folder', () => {
    const file = { settings: { rules: { 'external-ips': 'off' as const }, maxFileSizeKB: 20, exclude: ['build'] }, globBase: '/repo' };
    const flags = { settings: { rules: { 'external-ips': 'hint' as const }, maxFileSizeKB: 30, exclude: ['tmp', 'build'] }, globBase: '/home/me' };
    const merged = mergeSettings([file, flags]);
    assert.deepEqual(merged.engine.rules, { 'external-ips': 'hint' });
    assert.equal(merged.maxFileSizeKB, 30);
    assert.deepEqual(merged.exclude, [
      { base: '/repo', globs: ['build'] },
      { base: '/home/me', globs: ['tmp', 'build'] },
    ]);
  });

  it('takes clusters from the policy file with its folder, and assigns a file to the first cluster that matches it', () => {
    const file = parseProjectConfig('clusters:\n  all: [clusters]\n  b: [clusters/b]\n  named: [prod]\n').settings;
    const { clusters } = mergeSettings([{ settings: { exclude: ['x'] } }, { settings: file, globBase: '/repo' }]);
    assert.equal(clusters.base, '/repo');
    const nameOf = (relativePath: string) => clusterNameOf(clusters.definitions, relativePath);
    assert.equal(nameOf('clusters/b/role.yaml'), 'all', 'the first match wins');
    assert.equal(nameOf('clusters'), 'all');
    assert.equal(nameOf('apps/prod/svc.yaml'), 'named', 'a pattern without a slash matches a folder name at any depth');
    assert.equal(nameOf('clustersx/svc.yaml'), undefined, 'the default cluster');
    assert.deepEqual(mergeSettings([]).clusters, { definitions: [] });
    assert.equal(clusterKey('file:///repo', undefined), 'file:///repo', 'the default cluster keeps the folder as its key');
    assert.notEqual(clusterKey('file:///repo', 'a'), clusterKey('file:///repo', 'b'));
    assert.notEqual(clusterKey('file:///repo', 'a'), 'file:///repo');
  });

  it('hands the engine the allowlist parsed, as plain data that survives a structured clone', () => {
    const { allowedCidrs } = mergeSettings([{ settings: { allowedExternalIPCidrs: ['10.1.2.3/8', '2001:db8::1'] } }]).engine;
    assert.deepEqual(allowedCidrs, [
      { text: '10.1.2.3/8', family: 'ipv4', networkBytes: [10, 1, 2, 3], prefixLength: 8 },
      { text: '2001:db8::1', family: 'ipv6', networkBytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], prefixLength: 128 },
    ]);
    assert.deepEqual(structuredClone(allowedCidrs), allowedCidrs);
  });
});

/** Asserts `after` is `before` with one contiguous insertion, and returns the inserted text. */
function insertedText(before: string, after: string): string {
  let prefix = 0;
  while (prefix < before.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < before.length - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  assert.equal(prefix + suffix, before.length, `not a pure insertion:\n${before}\n---\n${after}`);
  return after.slice(prefix, after.length - suffix);
}

function assertAllows(text: string, expected: string[]): void {
  const { settings, problems } = parseProjectConfig(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(settings.allowedExternalIPCidrs, expected);
}

describe('addAllowedCidr', () => {
  it('creates the file text when there is none', () => {
    assert.equal(addAllowedCidr(undefined, '203.0.113.7/32'), 'allowedExternalIPCidrs:\n  - 203.0.113.7/32\n');
    assert.equal(addAllowedCidr('', '2001:db8::1/128'), 'allowedExternalIPCidrs:\n  - 2001:db8::1/128\n');
    assertAllows(addAllowedCidr('\n\n', '2001:db8::1/128'), ['2001:db8::1/128']);
  });

  it('appends to a block list in its own style, keeping comments', () => {
    const before = [
      '# Policy for the payments team',
      'allowedExternalIPCidrs:',
      '    -   10.0.0.0/8     # office',
      '    # - 192.168.0.0/16 (retired)',
      '',
      'rules:   # strict',
      '  external-ips: error',
      '',
    ].join('\n');
    const after = addAllowedCidr(before, '203.0.113.7/32');
    const lines = before.split('\n');
    lines.splice(3, 0, '    -   203.0.113.7/32');
    assert.equal(after, lines.join('\n'));
    assertAllows(after, ['10.0.0.0/8', '203.0.113.7/32']);
  });

  it('matches quoting and zero-indented lists', () => {
    const quoted = 'allowedExternalIPCidrs:\n  - "10.0.0.0/8"\n  - \'172.16.0.0/12\'\n';
    assert.equal(addAllowedCidr(quoted, '1.2.3.4/32'), quoted + "  - '1.2.3.4/32'\n");
    const zeroIndented = 'allowedExternalIPCidrs:\n- 10.0.0.0/8\nscope: off\n';
    assert.equal(addAllowedCidr(zeroIndented, '1.2.3.4/32'), 'allowedExternalIPCidrs:\n- 10.0.0.0/8\n- 1.2.3.4/32\nscope: off\n');
  });

  it('appends when the list ends the file without a line break', () => {
    const before = 'scope: off\nallowedExternalIPCidrs:\n  - 10.0.0.0/8';
    assert.equal(addAllowedCidr(before, '1.2.3.4/32'), before + '\n  - 1.2.3.4/32');
  });

  it('appends to flow lists: single-line, empty, and multi-line with a trailing comma', () => {
    assert.equal(
      addAllowedCidr('allowedExternalIPCidrs: [10.0.0.0/8, "172.16.0.0/12"] # ok\n', '1.2.3.4/32'),
      'allowedExternalIPCidrs: [10.0.0.0/8, "172.16.0.0/12", "1.2.3.4/32"] # ok\n',
    );
    assert.equal(addAllowedCidr('allowedExternalIPCidrs: []\n', '1.2.3.4/32'), 'allowedExternalIPCidrs: [1.2.3.4/32]\n');
    const multiLine = 'allowedExternalIPCidrs: [\n    10.0.0.0/8,\n    10.1.0.0/16,\n]\nscope: off\n';
    const after = addAllowedCidr(multiLine, '2001:db8::/48');
    assert.equal(after, 'allowedExternalIPCidrs: [\n    10.0.0.0/8,\n    10.1.0.0/16,\n    2001:db8::/48,\n]\nscope: off\n');
    assertAllows(after, ['10.0.0.0/8', '10.1.0.0/16', '2001:db8::/48']);
  });

  it('creates the key after the last setting, copying the file\'s list indentation', () => {
    const before = '# settings\nexclude:\n    - dist\nscope: off   # for now\n# end of file\n';
    const after = addAllowedCidr(before, '1.2.3.4/32');
    assert.equal(after, '# settings\nexclude:\n    - dist\nscope: off   # for now\nallowedExternalIPCidrs:\n    - 1.2.3.4/32\n# end of file\n');
    assertAllows(after, ['1.2.3.4/32']);
    assertAllows(addAllowedCidr('scope: off', '1.2.3.4/32'), ['1.2.3.4/32']);
  });

  it('creates the key after a nested mapping or block scalar without touching them', () => {
    assert.equal(
      addAllowedCidr('rules:\n  external-ips: off\n', '1.2.3.4/32'),
      'rules:\n  external-ips: off\nallowedExternalIPCidrs:\n  - 1.2.3.4/32\n',
    );
    // A kept (|+) block scalar owns its trailing blank lines; the new key goes after them.
    const kept = 'x-note: |+\n  keep me\n\n\n';
    assert.equal(addAllowedCidr(kept, '1.2.3.4/32'), kept + 'allowedExternalIPCidrs:\n  - 1.2.3.4/32\n');
    const documents = '%YAML 1.2\n---\nscope: off\n...\n';
    assert.equal(addAllowedCidr(documents, '1.2.3.4/32'), '%YAML 1.2\n---\nscope: off\nallowedExternalIPCidrs:\n  - 1.2.3.4/32\n...\n');
  });

  it('creates the key in a comment-only file and in a flow mapping', () => {
    const comments = '# policy file\n# owned by platform';
    assert.equal(addAllowedCidr(comments, '1.2.3.4/32'), comments + '\nallowedExternalIPCidrs:\n  - 1.2.3.4/32\n');
    assert.equal(addAllowedCidr('{scope: off}\n', '1.2.3.4/32'), '{scope: off, allowedExternalIPCidrs: [1.2.3.4/32]}\n');
    assert.equal(addAllowedCidr('{}\n', '1.2.3.4/32'), '{allowedExternalIPCidrs: [1.2.3.4/32]}\n');
  });

  it('fills a key that has no value yet', () => {
    assert.equal(
      addAllowedCidr('allowedExternalIPCidrs: # none yet\nscope: off\n', '1.2.3.4/32'),
      'allowedExternalIPCidrs: # none yet\n  - 1.2.3.4/32\nscope: off\n',
    );
    assert.equal(addAllowedCidr('allowedExternalIPCidrs: ~\n', '1.2.3.4/32'), 'allowedExternalIPCidrs: [1.2.3.4/32]\n');
  });

  it('leaves the text unchanged when the entry is already there', () => {
    const text = 'allowedExternalIPCidrs:\n  - 10.0.0.1\n  - 2001:db8::1/128\n';
    assert.equal(addAllowedCidr(text, '10.0.0.1/32'), text);
    assert.equal(addAllowedCidr(text, '2001:0db8:0::1/128'), text);
    assert.notEqual(addAllowedCidr(text, '10.0.0.1/31'), text);
  });

  it('keeps CRLF line endings', () => {
    const cases = [
      'allowedExternalIPCidrs:\r\n  - 10.0.0.0/8\r\nscope: off\r\n',
      'scope: off\r\n',
      'allowedExternalIPCidrs: [\r\n  10.0.0.0/8\r\n]\r\n',
      'allowedExternalIPCidrs:\r\nscope: off\r\n',
      '# only a comment\r\n',
      '\r\n',
    ];
    for (const before of cases) {
      const after = addAllowedCidr(before, '1.2.3.4/32');
      assert.doesNotMatch(after.replace(/\r\n/g, ''), /[\r\n]/, JSON.stringify(after));
      assert.ok(parseProjectConfig(after).settings.allowedExternalIPCidrs?.includes('1.2.3.4/32'), JSON.stringify(after));
    }
  });

  it('keeps a BOM and everything else byte-identical', () => {
    const before = '\ufeff# x\nallowedExternalIPCidrs: [10.0.0.0/8]\n';
    const after = addAllowedCidr(before, '1.2.3.4/32');
    assert.equal(after, '\ufeff# x\nallowedExternalIPCidrs: [10.0.0.0/8, 1.2.3.4/32]\n');
  });

  it('round-trips repeated additions through parseProjectConfig', () => {
    let text = 'rules:\n  external-ips: error # keep\nallowedExternalIPCidrs:\n  - 10.0.0.0/8\n';
    const added = ['1.2.3.4/32', '2001:db8::1/128', '::1/128', '198.51.100.0/24'];
    for (const cidr of added) {
      const next = addAllowedCidr(text, cidr);
      insertedText(text, next);
      text = next;
    }
    assertAllows(text, ['10.0.0.0/8', ...added]);
    assert.ok(text.includes('external-ips: error # keep'));
  });

  it('refuses invalid CIDRs and files it cannot edit safely', () => {
    assert.throws(() => addAllowedCidr('', '1.2.3.4/32\nscope: off'), /Cannot add to the allowlist/);
    assert.throws(() => addAllowedCidr('', '999.1.1.1/32'), /Cannot add/);
    assert.throws(() => addAllowedCidr('allowedExternalIPCidrs: [\n', '1.2.3.4/32'), /has errors/);
    assert.throws(() => addAllowedCidr('allowedExternalIPCidrs: 10.0.0.0/8\n', '1.2.3.4/32'), /is not a list/);
    assert.throws(() => addAllowedCidr('- a\n', '1.2.3.4/32'), /not a mapping/);
    assert.throws(() => addAllowedCidr('a: 1\n---\nb: 2\n', '1.2.3.4/32'), /has errors/);
  });
});

// A checker for the part of JSON Schema draft-07 the policy schema uses.
type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  minimum?: number;
  $ref?: string;
  definitions?: Record<string, Schema>;
};

function schemaErrors(schema: Schema, value: unknown, root: Schema, where = '$'): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    return schemaErrors(root.definitions![name], value, root, where);
  }
  const errors: string[] = [];
  const typeOk: Record<string, (v: unknown) => boolean> = {
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    integer: Number.isInteger,
  };
  if (schema.type && !typeOk[schema.type](value)) return [`${where}: not ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${where}: not in enum`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${where}: pattern`);
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${where}: minLength`);
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) errors.push(`${where}: minimum`);
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...schemaErrors(schema.items!, item, root, `${where}[${i}]`)));
  if (schema.type === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (schema.propertyNames) errors.push(...schemaErrors(schema.propertyNames, key, root, `${where}.${key} (name)`));
      const property = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (property) errors.push(...schemaErrors(property, child, root, `${where}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${where}.${key}: not allowed`);
    }
  }
  return errors;
}

describe('schema', () => {
  const schemaPath = path.resolve(__dirname, '../../../schemas/kube-mitm-guard.schema.json');
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as Schema;

  it('lists exactly the settings, rule ids and severities', () => {
    assert.equal((schema as Record<string, unknown>).$schema, 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(Object.keys(schema.properties!).sort(), [...CONFIG_FILE_KEYS].sort());
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(Object.keys(schema.properties!.rules.properties!).sort(), [...RULE_IDS].sort());
    assert.equal(schema.properties!.rules.additionalProperties, false);
    assert.deepEqual(schema.definitions!.severity.enum, [...SEVERITY_SETTINGS]);
    assert.deepEqual(schema.properties!.scope.enum, ['workspace', 'openFiles', 'off']);
    for (const [key, property] of Object.entries(schema.properties!)) {
      assert.ok((property as { description?: string }).description, `${key} has a description`);
    }
  });

  it('agrees with parseProjectConfig on sample configs', () => {
    const samples = [
      'allowedExternalIPCidrs: [10.0.0.0/8, "2001:db8::/32", 1.2.3.4]',
      'rules: {external-ips: off, loadbalancer-status: information}',
      'scope: openFiles\nexclude: [dist, "charts/**"]\nmaxFileSizeKB: 4096',
      'rules: {externalips: off}',
      'rules: {external-ips: fatal}',
      'scope: all',
      'exclude: ["!keep"]',
      'exclude: [""]',
      'exclude: [3]',
      'maxFileSizeKB: 0',
      'maxFileSizeKB: 1.5',
      'maxFileSizeKB: "10"',
      'allowedExternalIPCidrs: [example.com]',
      'allowedExternalIPCidrs: 10.0.0.0/8',
      'unknown: 1',
      'allowedExternalIPCidrs: [10.0.0.0/8, 42]',
      'statusWriters: [alice, system:masters, "system:serviceaccount:metallb-system:controller", system:serviceaccounts:ci]',
      'statusWriters: [""]',
      'statusWriters: ["  "]',
      'statusWriters: [system:serviceaccount:metallb-system]',
      'statusWriters: ["system:serviceaccount::controller"]',
      'statusWriters: ["system:serviceaccount:a:b:c"]',
      'statusWriters: ["system:serviceaccount:ns:"]',
      'statusWriters: alice',
      'statusWriters: [1]',
      'clusters: {prod: [clusters/prod], staging: ["clusters/staging/**", shared]}',
      'clusters: {}',
      'clusters: {prod: []}',
      'clusters: [prod]',
      'clusters: {prod: clusters/prod}',
      'clusters: {prod: [1]}',
      'clusters: {prod: [""]}',
      'clusters: {prod: ["!clusters/staging"]}',
      'clusters: {"": [x]}',
      'clusters: {" ": [x]}',
    ];
    for (const sample of samples) {
      const schemaOk = schemaErrors(schema, parseDocument(sample).toJS(), schema).length === 0;
      const linterOk = parseProjectConfig(sample).problems.length === 0;
      assert.equal(schemaOk, linterOk, sample);
    }
    // The schema's CIDR pattern is loose on purpose: only the linter knows these are wrong.
    for (const looseOnly of ['allowedExternalIPCidrs: [10.0.0.300/8]', 'allowedExternalIPCidrs: [010.0.0.1]']) {
      assert.equal(schemaErrors(schema, parseDocument(looseOnly).toJS(), schema).length, 0, looseOnly);
      assert.equal(parseProjectConfig(looseOnly).problems.length, 1, looseOnly);
    }
  });
});

describe('package.json: the editor settings', () => {
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { scope?: string; default?: unknown }> } };
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  };
  const properties = manifest.contributes.configuration.properties;

  it('contributes exactly the settings, per resource, with the defaults', () => {
    const settingNames = Object.keys(properties).filter((name) => name !== 'kubeMitmGuard.trace.server');
    assert.deepEqual(settingNames.sort(), SETTING_KEYS.map((key) => `kubeMitmGuard.${key}`).sort());
    for (const key of SETTING_KEYS) {
      assert.equal(properties[`kubeMitmGuard.${key}`].scope, 'resource', key);
      assert.deepEqual(properties[`kubeMitmGuard.${key}`].default, DEFAULT_SETTINGS[key], key);
    }
  });

  it('restricts in untrusted workspaces every setting that can hide findings', () => {
    assert.deepEqual([...manifest.capabilities.untrustedWorkspaces.restrictedConfigurations].sort(), [
      'kubeMitmGuard.allowedExternalIPCidrs',
      'kubeMitmGuard.exclude',
      'kubeMitmGuard.rules',
      'kubeMitmGuard.scope',
      'kubeMitmGuard.statusWriters',
    ]);
  });
});

describe('engineOptionsFor (language server)', () => {
  it('passes the merged statusWriters of the editor and the policy file to the engine', () => {
    const settings = mergeSettings([{ settings: { statusWriters: ['lb-operators'] } }, { settings: { statusWriters: ['system:serviceaccount:metallb-system:controller'] } }]);
    const options = engineOptionsFor({ settings, folder: undefined, generation: 0 });
    assert.deepEqual(options.statusWriters, ['lb-operators', 'system:serviceaccount:metallb-system:controller']);
    assert.deepEqual(engineOptionsFor({ settings: mergeSettings([]), folder: undefined, generation: 0 }).statusWriters, []);
  });
});

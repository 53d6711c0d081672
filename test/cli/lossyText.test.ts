// Files read as kubectl reads them: its file reader replaces invalid UTF-8 with U+FFFD (before the YAML
// or JSON decoder sees it) and transcodes UTF-16 by its byte order mark, so such files are checked, not
// skipped. Their text is not the file's bytes, so --fix and --fix-dry-run refuse them and leave them
// untouched.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCli, TempDir } from './cliHarness';

/** A JSON Service whose name holds a Latin-1 é (byte 0xE9, invalid as UTF-8), with an externalIP on line 5. */
const LOSSY_JSON = Buffer.concat([
  Buffer.from('{\n  "apiVersion": "v1",\n  "kind": "Service",\n  "metadata": {"name": "caf'),
  Buffer.from([0xe9]),
  Buffer.from('"},\n  "spec": {"externalIPs": ["8.8.8.8"]}\n}\n'),
]);
const YAML_WITH_INVALID_BYTE = Buffer.concat([
  Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: caf'),
  Buffer.from([0xe9]),
  Buffer.from('}\nspec: {externalIPs: [8.8.8.8]}\n'),
]);
const SERVICE = 'apiVersion: v1\nkind: Service\nspec:\n  externalIPs: [8.8.8.8]\n';
const UTF16LE = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SERVICE, 'utf16le')]);
const UTF16BE = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(SERVICE, 'utf16le').swap16()]);

describe('check: invalid UTF-8 and UTF-16', () => {
  let dir: TempDir;

  beforeEach(() => {
    dir = new TempDir({ 'svc.json': LOSSY_JSON, 'svc.yaml': YAML_WITH_INVALID_BYTE, 'le.yaml': UTF16LE, 'be.yaml': UTF16BE });
  });

  afterEach(() => dir.dispose());

  it('flags the externalIPs as kubectl reads the files, from files and from standard input', () => {
    const result = runCli(['check'], { cwd: dir.root });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^svc\.json:5:28 error external-ips externalIP 8\.8\.8\.8 /m);
    assert.match(result.stdout, /^svc\.yaml:4:22 error external-ips externalIP 8\.8\.8\.8 /m);
    // The UTF-16 byte order mark is not part of the text: columns as an editor shows the file.
    assert.match(result.stdout, /^le\.yaml:4:17 error external-ips /m);
    assert.match(result.stdout, /^be\.yaml:4:17 error external-ips /m);
    assert.doesNotMatch(result.stderr, /not checked/);
    for (const input of [LOSSY_JSON, UTF16LE]) {
      const stdin = runCli(['check', '-'], { cwd: dir.root, stdin: input });
      assert.equal(stdin.code, 1);
      assert.match(stdin.stdout, /^<stdin>:\d+:\d+ error external-ips /m);
    }
  });

  it('--fix refuses each file, says why on stderr, and leaves its bytes untouched', () => {
    const result = runCli(['check', '--fix', '.'], { cwd: dir.root });
    assert.equal(result.code, 1, 'the findings remain');
    const refusal = (name: string, how: string) =>
      new RegExp(`^warning: ${name}: not fixed: the file was read ${how} \\(as kubectl reads it\\), so a fixed text would not keep its bytes; fix it by hand$`, 'm');
    assert.match(result.stderr, refusal('svc\\.json', 'with its invalid UTF-8 bytes replaced by U\\+FFFD'));
    assert.match(result.stderr, refusal('svc\\.yaml', 'with its invalid UTF-8 bytes replaced by U\\+FFFD'));
    assert.match(result.stderr, refusal('le\\.yaml', 'transcoded from UTF-16'));
    assert.match(result.stderr, refusal('be\\.yaml', 'transcoded from UTF-16'));
    assert.doesNotMatch(result.stdout, /^Fixed /m);
    for (const [name, bytes] of [['svc.json', LOSSY_JSON], ['svc.yaml', YAML_WITH_INVALID_BYTE], ['le.yaml', UTF16LE], ['be.yaml', UTF16BE]] as const) {
      assert.ok(fs.readFileSync(dir.path(name)).equals(bytes), `${name}: the bytes are unchanged`);
    }
    assert.deepEqual(fs.readdirSync(dir.root).filter((name) => name.endsWith('.tmp')), []);
  });

  it('--fix-dry-run shows no diff for them and changes nothing', () => {
    const result = runCli(['check', '--fix-dry-run', 'svc.json', 'le.yaml'], { cwd: dir.root });
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^warning: svc\.json: no fixes shown: the file was read with its invalid UTF-8 bytes replaced /m);
    assert.match(result.stderr, /^warning: le\.yaml: no fixes shown: the file was read transcoded from UTF-16 /m);
    assert.match(result.stderr, /No fixes to apply; 2 problems would remain\.$/m);
    const stdin = runCli(['check', '--fix-dry-run', '-'], { cwd: dir.root, stdin: LOSSY_JSON });
    assert.equal(stdin.stdout, '');
    assert.match(stdin.stderr, /^warning: <stdin>: no fixes shown: /m);
    assert.ok(fs.readFileSync(dir.path('svc.json')).equals(LOSSY_JSON));
  });
});

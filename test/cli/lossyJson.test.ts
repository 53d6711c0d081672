// JSON manifests with invalid UTF-8: Kubernetes decodes JSON (a document starting with `{`) with Go's
// encoding/json, which replaces invalid bytes with U+FFFD and accepts the input, so such a file is
// checked, not skipped. Its text is not the file's bytes, so --fix and --fix-dry-run refuse it and
// leave it untouched. YAML with invalid UTF-8 is still skipped (go-yaml rejects it).
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

describe('check: JSON with invalid UTF-8', () => {
  let dir: TempDir;

  beforeEach(() => {
    dir = new TempDir({ 'svc.json': LOSSY_JSON, 'svc.yaml': YAML_WITH_INVALID_BYTE });
  });

  afterEach(() => dir.dispose());

  it('flags the externalIP as Kubernetes reads the file; YAML with an invalid byte is skipped with the reason', () => {
    const result = runCli(['check'], { cwd: dir.root });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^svc\.json:5:28 error external-ips externalIP 8\.8\.8\.8 /m);
    assert.doesNotMatch(result.stdout, /svc\.yaml/);
    assert.match(result.stderr, /^warning: svc\.yaml: not checked: not valid UTF-8 text$/m);
    // Standard input is decoded the same way.
    const stdin = runCli(['check', '-'], { cwd: dir.root, stdin: LOSSY_JSON });
    assert.equal(stdin.code, 1);
    assert.match(stdin.stdout, /^<stdin>:5:28 error external-ips /m);
  });

  it('--fix refuses the file, says so on stderr, and leaves its bytes untouched', () => {
    const result = runCli(['check', '--fix', 'svc.json'], { cwd: dir.root });
    assert.equal(result.code, 1, 'the finding remains');
    assert.match(
      result.stderr,
      /^warning: svc\.json: not fixed: the file is not valid UTF-8 \(read as JSON with invalid bytes replaced by U\+FFFD, as Kubernetes reads it\), so a fixed text would not keep its bytes; fix it by hand$/m,
    );
    assert.doesNotMatch(result.stdout, /^Fixed /m);
    assert.match(result.stdout, /^svc\.json:5:28 error external-ips /m);
    assert.ok(fs.readFileSync(dir.path('svc.json')).equals(LOSSY_JSON), 'the bytes are unchanged');
    assert.deepEqual(fs.readdirSync(dir.root).filter((name) => name.endsWith('.tmp')), []);
  });

  it('--fix-dry-run shows no diff for it and changes nothing', () => {
    const result = runCli(['check', '--fix-dry-run', 'svc.json'], { cwd: dir.root });
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^warning: svc\.json: no fixes shown: the file is not valid UTF-8 /m);
    assert.match(result.stderr, /No fixes to apply; 1 problem would remain\.$/m);
    const stdin = runCli(['check', '--fix-dry-run', '-'], { cwd: dir.root, stdin: LOSSY_JSON });
    assert.equal(stdin.stdout, '');
    assert.match(stdin.stderr, /^warning: <stdin>: no fixes shown: /m);
    assert.ok(fs.readFileSync(dir.path('svc.json')).equals(LOSSY_JSON));
  });
});

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ALWAYS_EXCLUDED_DIRS,
  createExcludeMatcher,
  discoverFiles,
  isCandidateFileName,
  ManifestRead,
  readManifestFile,
  readManifestFileSync,
} from '../../server/src/engine/fileDiscovery';

const tempRoots: string[] = [];
after(() => {
  for (const root of tempRoots) fs.rmSync(root, { recursive: true, force: true });
});

/** Creates a temporary tree from relative paths; a trailing slash makes an empty folder. */
function makeTree(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-discovery-'));
  tempRoots.push(root);
  for (const [relativePath, content] of Object.entries(files)) {
    const target = path.join(root, relativePath);
    if (relativePath.endsWith('/')) {
      fs.mkdirSync(target, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  return root;
}

async function discover(
  root: string,
  exclude: string[] = [],
  signal?: AbortSignal,
): Promise<{ files: string[]; skipped: [string, string][] }> {
  const skipped: [string, string][] = [];
  const files: string[] = [];
  for await (const file of discoverFiles(root, { exclude, signal, onSkip: (p, reason) => skipped.push([p, reason]) })) {
    files.push(file);
  }
  return { files: files.map((file) => path.relative(root, file).split(path.sep).join('/')), skipped };
}

describe('isCandidateFileName', () => {
  it('accepts YAML and JSON names in any case', () => {
    for (const name of ['a.yaml', 'a.yml', 'a.json', 'A.YAML', 'dir/x.Yml', '/abs/path/deploy.JSON', '.hidden.yaml']) {
      assert.equal(isCandidateFileName(name), true, name);
    }
    for (const name of ['a.txt', 'yaml', 'a.yaml.bak', 'a.jsonc', 'Makefile', 'dir.yaml/file', '.yaml']) {
      assert.equal(isCandidateFileName(name), false, name);
    }
  });
});

describe('createExcludeMatcher', () => {
  it('always excludes node_modules, .git and vendor at any depth', () => {
    const matches = createExcludeMatcher([]);
    assert.deepEqual([...ALWAYS_EXCLUDED_DIRS], ['node_modules', '.git', 'vendor']);
    for (const p of ['node_modules', 'node_modules/a.yaml', 'a/b/node_modules/c/d.yaml', '.git/config.yaml', 'x/vendor/k8s.yaml']) {
      assert.equal(matches(p), true, p);
    }
    for (const p of ['a.yaml', 'vendors/a.yaml', 'my-node_modules/a.yaml', 'git/a.yaml']) {
      assert.equal(matches(p), false, p);
    }
  });

  it('matches globs without a slash against names at any depth, like gitignore', () => {
    const matches = createExcludeMatcher(['*.generated.yaml', 'charts', '.cache/']);
    assert.equal(matches('x.generated.yaml'), true);
    assert.equal(matches('deep/er/x.generated.yaml'), true);
    assert.equal(matches('charts'), true);
    assert.equal(matches('a/charts/templates/svc.yaml'), true, 'inside an excluded folder');
    assert.equal(matches('a/.cache/x.json'), true, 'dot folders match (dot: true)');
    assert.equal(matches('chart/svc.yaml'), false);
    assert.equal(matches('x.yaml'), false);
  });

  it('anchors globs with a slash at the root', () => {
    const matches = createExcludeMatcher(['test/fixtures', '/build', './dist/**', 'k8s/**/secret-*.yaml']);
    assert.equal(matches('test/fixtures/a.yaml'), true);
    assert.equal(matches('other/test/fixtures/a.yaml'), false);
    assert.equal(matches('build/a.yaml'), true);
    assert.equal(matches('src/build/a.yaml'), false);
    assert.equal(matches('dist/x/y.yaml'), true);
    assert.equal(matches('k8s/prod/eu/secret-db.yaml'), true);
    assert.equal(matches('k8s/secret-db.yaml'), true);
    assert.equal(matches('k8s/prod/db.yaml'), false);
  });

  it('ignores empty and negated patterns instead of excluding everything', () => {
    const matches = createExcludeMatcher(['', '   ', '!keep.yaml']);
    assert.equal(matches('keep.yaml'), false);
    assert.equal(matches('other.yaml'), false);
  });
});

describe('discoverFiles', () => {
  it('yields candidate files in sorted, depth-first order', async () => {
    const root = makeTree({
      'b.yaml': '',
      'a.YML': '',
      'notes.txt': '',
      'sub/z.json': '',
      'sub/a.yaml': '',
      'sub/deeper/c.yml': '',
      'c.json': '',
      'empty/': '',
      '.hidden/x.yaml': '',
    });
    const { files, skipped } = await discover(root);
    assert.deepEqual(files, ['.hidden/x.yaml', 'a.YML', 'b.yaml', 'c.json', 'sub/a.yaml', 'sub/deeper/c.yml', 'sub/z.json']);
    assert.deepEqual(skipped, []);
    const again = await discover(root);
    assert.deepEqual(again.files, files, 'deterministic');
  });

  it('yields absolute paths', async () => {
    const root = makeTree({ 'a.yaml': '' });
    const found: string[] = [];
    for await (const file of discoverFiles(path.relative(process.cwd(), root), { exclude: [] })) found.push(file);
    assert.deepEqual(found, [path.join(root, 'a.yaml')]);
  });

  it('honours excludes and the always-excluded folders', async () => {
    const root = makeTree({
      'keep.yaml': '',
      'node_modules/pkg/x.yaml': '',
      'a/node_modules/y.yaml': '',
      '.git/z.json': '',
      'vendor/v.yaml': '',
      'charts/c/templates/svc.yaml': '',
      'build/out.json': '',
      'src/build/in.yaml': '',
      'x.generated.yaml': '',
    });
    const { files } = await discover(root, ['charts', '/build', '*.generated.yaml']);
    assert.deepEqual(files, ['keep.yaml', 'src/build/in.yaml']);
  });

  it('walks a subfolder with excludes relative to excludeBase', async () => {
    const root = makeTree({
      'added/keep.yaml': '',
      'added/templates/t.yaml': '',
      'added/out/o.yaml': '',
      'added/node_modules/n.yaml': '',
      'templates/x.yaml': '',
    });
    const found: string[] = [];
    const walk = discoverFiles(path.join(root, 'added'), { exclude: ['/templates', 'added/out'], excludeBase: root });
    for await (const file of walk) found.push(path.relative(root, file).split(path.sep).join('/'));
    // `/templates` is anchored at the base, so added/templates stays; `added/out` matches from the base.
    assert.deepEqual(found, ['added/keep.yaml', 'added/templates/t.yaml']);
  });

  it('yields a file given as root when it is a candidate', async () => {
    const root = makeTree({ 'one.yaml': '', 'readme.md': '' });
    const found: string[] = [];
    for await (const file of discoverFiles(path.join(root, 'one.yaml'), { exclude: ['*.yaml'] })) found.push(file);
    assert.deepEqual(found, [path.join(root, 'one.yaml')]);
    const none: string[] = [];
    for await (const file of discoverFiles(path.join(root, 'readme.md'), { exclude: [] })) none.push(file);
    assert.deepEqual(none, []);
  });

  it('reports a root that does not exist instead of throwing', async () => {
    const root = makeTree({});
    const { files, skipped } = await discover(path.join(root, 'missing'));
    assert.deepEqual(files, []);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0][1], /ENOENT/);
  });

  it('follows symlinked folders once and ends symlink loops', async () => {
    const root = makeTree({ 'real/a.yaml': '', 'other/b.yaml': '' });
    fs.symlinkSync(root, path.join(root, 'real', 'loop-to-root'), 'dir');
    fs.symlinkSync(path.join(root, 'real'), path.join(root, 'real', 'loop-to-self'), 'dir');
    fs.symlinkSync(path.join(root, 'other'), path.join(root, 'link-to-other'), 'dir');
    fs.symlinkSync(path.join(root, 'real', 'a.yaml'), path.join(root, 'linked.yaml'), 'file');
    fs.symlinkSync(path.join(root, 'nowhere.yaml'), path.join(root, 'broken.yaml'), 'file');
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'broken-dir'), 'dir');
    const { files, skipped } = await discover(root);
    // link-to-other sorts before other, so the folder is read once, through the link.
    assert.deepEqual(files, ['link-to-other/b.yaml', 'linked.yaml', 'real/a.yaml']);
    assert.deepEqual(skipped.map(([p, reason]) => [path.basename(p), reason.split(':')[0]]), [['broken.yaml', 'broken symbolic link']]);
  });

  it('reads each folder once when the root itself is reached through a symbolic link', async () => {
    // Folders reached without a link take their real path from the root's: a link inside the tree to
    // one of them must still be recognised as the same folder.
    const tree = makeTree({ 'deep/nested/c.yaml': '', 'z/d.yaml': '' });
    fs.symlinkSync(path.join(tree, 'deep', 'nested'), path.join(tree, 'z', 'back-to-nested'), 'dir');
    fs.symlinkSync(tree, path.join(tree, 'z', 'back-to-root'), 'dir');
    const viaLink = path.join(makeTree({}), 'tree-link');
    fs.symlinkSync(tree, viaLink, 'dir');
    const { files } = await discover(viaLink);
    assert.deepEqual(files, ['deep/nested/c.yaml', 'z/d.yaml']);
  });

  it('skips FIFOs and other special files', async () => {
    const root = makeTree({ 'a.yaml': '' });
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('mkfifo', [path.join(root, 'pipe.yaml')]);
    } catch {
      return; // no mkfifo on this system
    }
    assert.deepEqual((await discover(root)).files, ['a.yaml']);
  });

  it('reports unreadable folders and carries on', async (t) => {
    if (process.getuid?.() === 0) {
      // root reads folders whatever their mode, so chmod cannot make one unreadable here.
      t.skip('running as root: chmod 000 does not stop root from reading a folder');
      return;
    }
    const root = makeTree({ 'locked/a.yaml': '', 'open/b.yaml': '' });
    fs.chmodSync(path.join(root, 'locked'), 0o000);
    try {
      const { files, skipped } = await discover(root);
      assert.deepEqual(files, ['open/b.yaml']);
      assert.equal(skipped.length, 1);
      assert.match(skipped[0][1], /EACCES/);
    } finally {
      fs.chmodSync(path.join(root, 'locked'), 0o755);
    }
  });

  it('does not throw when folders and files vanish during the scan', async () => {
    const root = makeTree({ 'a.yaml': '', 'gone/b.yaml': '', 'gone/c.yaml': '', 'later/d.yaml': '' });
    const found: string[] = [];
    const skipped: string[] = [];
    for await (const file of discoverFiles(root, { exclude: [], onSkip: (p) => skipped.push(p) })) {
      found.push(path.relative(root, file));
      // Remove a folder that was already listed but not yet read, and one of the yielded files.
      if (found.length === 1) {
        fs.rmSync(path.join(root, 'gone'), { recursive: true });
        fs.rmSync(path.join(root, 'a.yaml'));
      }
    }
    assert.deepEqual(found, ['a.yaml', path.join('later', 'd.yaml')]);
    assert.deepEqual(skipped.map((p) => path.basename(p)), ['gone']);
  });

  it('stops when aborted', async () => {
    const root = makeTree({ 'a.yaml': '', 'b.yaml': '', 'c/d.yaml': '' });
    const controller = new AbortController();
    const found: string[] = [];
    for await (const file of discoverFiles(root, { exclude: [], signal: controller.signal })) {
      found.push(file);
      controller.abort();
    }
    assert.equal(found.length, 1);
    const aborted = AbortSignal.abort();
    assert.deepEqual((await discover(root, [], aborted)).files, []);
  });
});

// The asynchronous reader (the language server's main thread) and the blocking one (scan workers, the
// command line) must read every file alike.
const readers: [string, (filePath: string, maxBytes: number) => Promise<ManifestRead>][] = [
  ['readManifestFile', readManifestFile],
  ['readManifestFileSync', async (filePath, maxBytes) => readManifestFileSync(filePath, maxBytes)],
];

for (const [name, read] of readers) {
  describe(name, () => {
    it('reads UTF-8 text', async () => {
      const root = makeTree({ 'a.yaml': 'kind: Service # naïve ✓ 🚀\n' });
      assert.deepEqual(await read(path.join(root, 'a.yaml'), 1024), { text: 'kind: Service # naïve ✓ 🚀\n' });
    });

    it('keeps a UTF-8 BOM in the text', async () => {
      const root = makeTree({ 'bom.yaml': Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('kind: Service\n')]) });
      const result = await read(path.join(root, 'bom.yaml'), 1024);
      assert.deepEqual(result, { text: '\ufeffkind: Service\n' });
    });

    it('reads files of every size one after another, each whole and nothing of the one before (the blocking reader reuses its buffer)', async () => {
      const files: Record<string, string> = {
        'large.yaml': 'a'.repeat(200_000) + '\n',
        'small.yaml': 'kind: Service\n',
        'binary.yaml': 'kind: x\n\u0000',
        'middle.yaml': 'b'.repeat(50_000),
        'empty.yaml': '',
        'invalid.yaml': 'kind: \u00e9\n',
      };
      const root = makeTree({ ...files, 'invalid.yaml': Buffer.from([...Buffer.from('kind: '), 0xff, 0x0a]) });
      for (const name of ['large.yaml', 'small.yaml', 'binary.yaml', 'middle.yaml', 'large.yaml', 'empty.yaml', 'invalid.yaml', 'small.yaml']) {
        const result = await read(path.join(root, name), 1024 * 1024);
        if (name === 'binary.yaml') assert.ok('skipped' in result, name);
        else if (name === 'invalid.yaml') assert.deepEqual(result, { text: 'kind: \ufffd\n', lossy: 'invalid-utf8' }, name);
        else assert.deepEqual(result, { text: files[name] }, name);
      }
    });

    it('reads an empty file and one exactly at the limit', async () => {
      const root = makeTree({ 'empty.yaml': '', 'exact.yaml': 'x'.repeat(100) });
      assert.deepEqual(await read(path.join(root, 'empty.yaml'), 100), { text: '' });
      assert.deepEqual(await read(path.join(root, 'exact.yaml'), 100), { text: 'x'.repeat(100) });
    });

    it('skips files over the size limit, naming the size and the limit', async () => {
      const root = makeTree({ 'big.yaml': 'x'.repeat(3 * 1024 + 1) });
      const result = await read(path.join(root, 'big.yaml'), 2 * 1024);
      assert.ok('skipped' in result);
      assert.match(result.skipped, /4 KB \(3073 bytes\)/);
      assert.match(result.skipped, /size limit of 2 KB/);
    });

    it('skips binary files with a NUL byte in the first 8 KB, but not later', async () => {
      const early = Buffer.concat([Buffer.from('kind: x\n'), Buffer.from([0]), Buffer.from('rest')]);
      const late = Buffer.concat([Buffer.from('#'.repeat(9000)), Buffer.from([0])]);
      const root = makeTree({ 'early.yaml': early, 'late.yaml': late });
      assert.deepEqual(await read(path.join(root, 'early.yaml'), 65536), { skipped: 'binary file (contains NUL bytes)' });
      const lateRead = await read(path.join(root, 'late.yaml'), 65536);
      assert.ok('text' in lateRead);
      assert.equal(lateRead.text.length, 9001);
    });

    it('reads invalid UTF-8 as kubectl does (U+FFFD per maximal invalid sequence), flagged lossy, YAML and JSON alike', async () => {
      const withByte = (prefix: string, ...bad: number[]) => Buffer.concat([Buffer.from(`${prefix}x`), Buffer.from(bad), Buffer.from('y\n')]);
      const cases: [Buffer, string][] = [
        [withByte('k: ', 0xff), 'k: x\uFFFDy\n'], // a byte that never occurs in UTF-8
        [withByte('\uFEFF{"a": "', 0xe9), '\uFEFF{"a": "x\uFFFDy\n'], // a UTF-8 BOM stays in the text
        [withByte('k: ', 0xe2, 0x82), 'k: x\uFFFDy\n'], // one truncated sequence: one replacement
        [withByte('k: ', 0xc0, 0xaf), 'k: x\uFFFD\uFFFDy\n'], // an overlong encoding: two invalid bytes
        [Buffer.from([0x6b, 0x3a, 0x20, 0xe2, 0x82]), 'k: \uFFFD'], // truncated at the very end
        [Buffer.concat([Buffer.from('[{"k": "'), Buffer.from([0xff]), Buffer.from('"}]')]), '[{"k": "\uFFFD"}]'],
      ];
      const root = makeTree(Object.fromEntries(cases.map(([bytes], i) => [`bad${i}.yaml`, bytes])));
      for (let i = 0; i < cases.length; i++) {
        assert.deepEqual(await read(path.join(root, `bad${i}.yaml`), 1024), { text: cases[i][1], lossy: 'invalid-utf8' }, `case ${i}`);
      }
      // Valid UTF-8 is byte-faithful: no flag.
      const good = makeTree({ 'good.json': '{"a": "café"}' });
      assert.deepEqual(await read(path.join(good, 'good.json'), 1024), { text: '{"a": "café"}' });
    });

    it('reads UTF-16 with a byte order mark as kubectl does (transcoded, the mark dropped), not as binary', async () => {
      const text = 'kind: Service # naïve ✓ 🚀\r\n';
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      const be = Buffer.from(le).swap16(); // FE FF and big-endian code units
      const damaged = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('b', 'utf16le'), Buffer.from([0x63])]);
      const root = makeTree({ 'le.yaml': le, 'be.yaml': be, 'damaged.yaml': damaged, 'nul.yaml': Buffer.from('a: b\n\u0000', 'utf16le') });
      assert.deepEqual(await read(path.join(root, 'le.yaml'), 1024), { text, lossy: 'utf16' });
      assert.deepEqual(await read(path.join(root, 'be.yaml'), 1024), { text, lossy: 'utf16' });
      // An unpaired surrogate and a trailing odd byte each become U+FFFD.
      assert.deepEqual(await read(path.join(root, 'damaged.yaml'), 1024), { text: 'a\uFFFDb\uFFFD', lossy: 'utf16' });
      // Without a byte order mark, UTF-16 is binary to kubectl's reader too (its NUL bytes).
      assert.deepEqual(await read(path.join(root, 'nul.yaml'), 1024), { skipped: 'binary file (contains NUL bytes)' });
    });

    it('reports vanished files and folders by error code', async () => {
      const root = makeTree({ 'dir/': '' });
      assert.deepEqual(await read(path.join(root, 'missing.yaml'), 1024), { skipped: 'cannot read file: ENOENT' });
      assert.deepEqual(await read(path.join(root, 'dir'), 1024), { skipped: 'not a regular file' });
      assert.deepEqual(await read(path.join(root, 'dir', 'x', 'y.yaml'), 1024), { skipped: 'cannot read file: ENOENT' });
    });

    it('reads a file longer than its stat says (as /proc files are), up to the limit', async (t) => {
      // /proc files are regular files whose stat size is 0: the read must not stop at the stat'ed size.
      const status = '/proc/self/status';
      if (!fs.existsSync(status)) {
        t.skip('no /proc here');
        return;
      }
      assert.equal(fs.statSync(status).size, 0);
      const whole = await read(status, 1024 * 1024);
      assert.ok('text' in whole);
      assert.match(whole.text, /^Name:/);
      assert.ok(whole.text.length > 100);
      assert.deepEqual(await read(status, 64), { skipped: 'file grew past the size limit of 64 bytes (maxFileSizeKB) while being read' });
    });

    it('does not block on a FIFO', async () => {
      const root = makeTree({});
      const { execFileSync } = await import('node:child_process');
      try {
        execFileSync('mkfifo', [path.join(root, 'pipe.yaml')]);
      } catch {
        return; // no mkfifo on this system
      }
      assert.deepEqual(await read(path.join(root, 'pipe.yaml'), 1024), { skipped: 'not a regular file' });
    });
  });
}


// The VSIX as `npm run package` builds it (vsce, with .vscodeignore's allow-list): exactly the allowed files,
// the marketplace metadata and the 128×128 icon. vsce packages the dist/ the unit run has built (not
// minified, as `npm run package` does first: the file list is the same) into a temporary folder, so dist/
// is left alone for the other test files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mustRun, packageVersion, REPO_ROOT } from '../support/npmPackage';
import { TempDir } from '../support/tempDir';
import { ZipEntry, zipEntries } from '../support/zipEntries';

const VSCE = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface ExtensionManifest {
  icon: string;
  galleryBanner: { color: string; theme: string };
  bugs: { url: string };
  qna: string | false;
  keywords: string[];
  dependencies?: Record<string, string>;
  scripts: Record<string, string>;
}

describe('the VSIX', () => {
  let scratch: TempDir;
  let entries: Map<string, ZipEntry>;

  before(() => {
    scratch = new TempDir({}, 'kmg-vsix-');
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as ExtensionManifest;
    // The same vsce arguments as the package script, another output file.
    assert.match(manifest.scripts.package, /&& vsce package --no-dependencies -o dist\/kube-mitm-guard\.vsix$/);
    const vsix = scratch.path('kube-mitm-guard.vsix');
    mustRun(process.execPath, [VSCE, 'package', '--no-dependencies', '-o', vsix], { cwd: REPO_ROOT, timeoutMs: 120_000 });
    entries = new Map(zipEntries(vsix).map((entry) => [entry.name, entry]));
  });

  after(() => scratch.dispose());

  it('holds exactly the allowed files', () => {
    assert.deepEqual([...entries.keys()].sort(), [
      '[Content_Types].xml',
      'extension.vsixmanifest',
      'extension/LICENSE.txt',
      'extension/changelog.md',
      'extension/dist/client.js',
      'extension/dist/extension.js',
      'extension/dist/scanWorker.js',
      'extension/dist/server.js',
      'extension/media/icon.png',
      'extension/package.json',
      'extension/readme.md',
      'extension/schemas/kube-mitm-guard.schema.json',
    ]);
  });

  it('has the 128×128 icon rendered from media/icon.svg, and the marketplace metadata', () => {
    const manifest = JSON.parse(entries.get('extension/package.json')!.data().toString('utf8')) as ExtensionManifest;
    assert.equal(manifest.icon, 'media/icon.png');
    const icon = entries.get(`extension/${manifest.icon}`)!.data();
    assert.deepEqual(pngSize(icon), { width: 128, height: 128 });
    assert.ok(icon.equals(fs.readFileSync(path.join(REPO_ROOT, manifest.icon))));
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'media', 'icon.svg')), 'the source the PNG is rendered from');
    assert.match(manifest.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(manifest.galleryBanner.theme));
    assert.match(manifest.bugs.url, /^https:\/\/github\.com\/kube-mitm-guard\/kube-mitm-guard\/issues$/);
    assert.equal(manifest.qna, false);
    assert.ok(manifest.keywords.includes('kubernetes') && manifest.keywords.length <= 30, 'the marketplace takes at most 30 keywords');
    // The extension runs its bundles; nothing is installed beside them.
    assert.equal(manifest.dependencies, undefined);
    const vsixManifest = entries.get('extension.vsixmanifest')!.data().toString('utf8');
    assert.match(vsixManifest, /<Identity [^>]*Version="([^"]+)"/);
    assert.equal(/<Identity [^>]*Version="([^"]+)"/.exec(vsixManifest)![1], packageVersion());
    assert.match(vsixManifest, /Type="Microsoft\.VisualStudio\.Services\.Icons\.Default" Path="extension\/media\/icon\.png"/);
    assert.ok(vsixManifest.includes(`Id="Microsoft.VisualStudio.Services.Branding.Color" Value="${manifest.galleryBanner.color}"`), 'the banner colour');
  });
});

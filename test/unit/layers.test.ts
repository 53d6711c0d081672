// The layers point one way (docs/architecture.md): the engine imports neither the language server, the
// CLI nor VS Code; the language server and the CLI reach the engine only through its facade
// (engine/index.ts); the extension reaches the server only through the protocol file they share.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/engine';

const SERVER = path.join(REPO_ROOT, 'server', 'src');
const ENGINE = path.join(SERVER, 'engine');
const FACADE = path.join(ENGINE, 'index');
const PROTOCOL = path.join(SERVER, 'lsp', 'protocol');

interface Import {
  file: string;
  specifier: string;
  /** Absolute path without extension for relative specifiers. */
  resolved?: string;
}

function sourceFiles(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

// `import … from '…'`, `export … from '…'`, `import('…')`, `require('…')`, `import '…'`.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function importsOf(folder: string): Import[] {
  const found: Import[] = [];
  for (const file of sourceFiles(folder)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1];
      let resolved = specifier.startsWith('.') ? path.resolve(path.dirname(file), specifier).replace(/\.(ts|js)$/, '') : undefined;
      // A folder import is its index file.
      if (resolved !== undefined && fs.existsSync(path.join(resolved, 'index.ts'))) resolved = path.join(resolved, 'index');
      found.push({ file: path.relative(REPO_ROOT, file), specifier, resolved });
    }
  }
  return found;
}

const inside = (resolved: string | undefined, folder: string) => resolved !== undefined && (resolved === folder || resolved.startsWith(folder + path.sep));
const show = (list: Import[]) => list.map((entry) => `${entry.file}: ${entry.specifier}`);

describe('layers', () => {
  it('finds imports at all (the scan is not vacuous)', () => {
    assert.ok(importsOf(ENGINE).length > 50);
    assert.ok(importsOf(path.join(SERVER, 'lsp')).some((entry) => entry.resolved === FACADE));
  });

  it('the engine imports neither the language server, the CLI nor VS Code', () => {
    const wrong = importsOf(ENGINE).filter(
      (entry) => inside(entry.resolved, path.join(SERVER, 'lsp')) || inside(entry.resolved, path.join(SERVER, 'cli')) || /^vscode($|-)/.test(entry.specifier),
    );
    assert.deepEqual(show(wrong), []);
  });

  for (const layer of ['lsp', 'cli']) {
    it(`${layer}/ reaches the engine only through engine/index.ts`, () => {
      const wrong = importsOf(path.join(SERVER, layer)).filter((entry) => inside(entry.resolved, ENGINE) && entry.resolved !== FACADE);
      assert.deepEqual(show(wrong), []);
    });
  }

  it('the extension imports only the protocol file from the server', () => {
    const wrong = importsOf(path.join(REPO_ROOT, 'client', 'src')).filter((entry) => inside(entry.resolved, path.join(REPO_ROOT, 'server')) && entry.resolved !== PROTOCOL);
    assert.deepEqual(show(wrong), []);
  });

  it('the protocol file imports nothing of the server (the extension bundles it)', () => {
    const text = fs.readFileSync(`${PROTOCOL}.ts`, 'utf8');
    assert.deepEqual([...text.matchAll(IMPORT)].map((match) => match[1]), []);
  });
});

// Lists the files the benchmark works on, the way the server's workspace scan chooses them
// (server/src/engine/fileDiscovery.ts): `.yaml`, `.yml` and `.json` files, `node_modules`, `.git` and
// `vendor` left out, in a deterministic order. Also makes the scaled copies (`--scale N`).
import * as fs from 'node:fs';
import * as path from 'node:path';

const CANDIDATE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const EXCLUDED_DIRS = new Set(['node_modules', '.git', 'vendor']);
const CONFIG_FILE_NAME = '.kube-mitm-guard.yaml';

/** Absolute paths with sizes, sorted by path (code units). */
export function listCandidateFiles(root) {
  const files = [];
  const walk = (dir) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile() && CANDIDATE_EXTENSIONS.has(path.extname(entry.name).toLowerCase()) && entry.name !== CONFIG_FILE_NAME) {
        files.push({ path: full, bytes: fs.statSync(full).size });
      }
    }
  };
  walk(root);
  return files;
}

/**
 * Copies `count` files round-robin from `files` into a new temporary folder (1,000 files per
 * sub-folder). Returns the folder and, for each source path, the path of its first copy.
 */
export function makeScaledCopy(files, count, tmpRoot) {
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'kube-mitm-guard-bench-'));
  const firstCopy = new Map();
  for (let i = 0; i < count; i++) {
    const source = files[i % files.length];
    const chunk = path.join(dir, `part-${String(Math.floor(i / 1000)).padStart(3, '0')}`);
    if (i % 1000 === 0) fs.mkdirSync(chunk, { recursive: true });
    const target = path.join(chunk, `${String(i).padStart(6, '0')}-${path.basename(source.path)}`);
    fs.copyFileSync(source.path, target);
    fs.chmodSync(target, 0o644);
    if (!firstCopy.has(source.path)) firstCopy.set(source.path, target);
  }
  return { dir, firstCopy };
}

/** Number of YAML documents, roughly (a `---` line separates documents). */
export function documentSeparators(text) {
  return (text.match(/^---/gm) ?? []).length;
}

// The package version, read from the package.json next to dist/ at run time (it ships in the npm
// package), so the bundle does not embed the whole extension manifest.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function toolVersion(): string {
  for (const candidate of [path.join(__dirname, '..', 'package.json'), path.join(__dirname, '..', '..', '..', 'package.json')]) {
    try {
      const manifest = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'kube-mitm-guard' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0-unknown';
}

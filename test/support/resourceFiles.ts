// Hostile files for the resource-attack tests of the language server and the CLI.
import * as fs from 'node:fs';
import { SERVICE_WITH_EXTERNAL_IP } from '../lsp/workspaceFixtures';

/** Writes `bytes` of manifest-looking text in 1 MB chunks: never holds the file in memory. */
export function writeBigFile(file: string, bytes: number): void {
  const unit = SERVICE_WITH_EXTERNAL_IP.replace('1.2.3.4', '8.8.8.8') + '---\n';
  const chunk = Buffer.from(unit.repeat(Math.ceil((1024 * 1024) / unit.length))).subarray(0, 1024 * 1024);
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; written += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  } finally {
    fs.closeSync(fd);
  }
}

/** A file per tiny manifest; every 1,000th has an externalIP. */
export function writeTinyFiles(workspace: { write(relativePath: string, content: string): string }, folder: string, count: number): void {
  for (let index = 0; index < count; index++) {
    const text = index % 1000 === 0 ? SERVICE_WITH_EXTERNAL_IP : `kind: ConfigMap\napiVersion: v1\ndata: {n: "${index}"}\n`;
    workspace.write(`${folder}/d${index % 100}/f${index}.yaml`, text);
  }
}

export const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...'bcdefghij'.split('').map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghij'[index]}`).join(', ')}]`),
].join('\n');


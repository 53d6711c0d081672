// How much of a folder the pre-check lets through to the YAML parser, as analyzeText decides it: each
// chunk of `splitDocuments` is parsed when `mightHaveFindings` keeps it (a kept List is parsed item by
// item, all of it), and a text the split does not model is parsed whole. Reads the engine compiled by
// `npx tsc -p test/tsconfig.json` (out/), so it parses nothing itself and takes seconds.
// Usage: node scripts/bench/parsedBytes.mjs <folder>…  → one JSON line per folder on stdout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listCandidateFiles } from './files.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(repoRoot, 'package.json'));
const { splitDocuments } = require('./out/server/src/engine/documentSplit.js');
const { mightHaveFindings } = require('./out/server/src/engine/prefilter.js');

for (const folder of process.argv.slice(2)) {
  const figures = { folder, files: 0, bytes: 0, documents: 0, parsedDocuments: 0, parsedBytes: 0, wholeTexts: 0 };
  for (const file of listCandidateFiles(folder)) {
    const text = readFileSync(file.path, 'utf8');
    figures.files += 1;
    figures.bytes += Buffer.byteLength(text);
    const chunks = splitDocuments(text);
    if (chunks === undefined) {
      figures.wholeTexts += 1;
      figures.documents += 1;
      figures.parsedDocuments += 1;
      figures.parsedBytes += Buffer.byteLength(text);
      continue;
    }
    for (const chunk of chunks) {
      const chunkText = text.slice(chunk.start, chunk.end);
      figures.documents += 1;
      if (!mightHaveFindings(chunkText)) continue;
      figures.parsedDocuments += 1;
      figures.parsedBytes += Buffer.byteLength(chunkText);
    }
  }
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

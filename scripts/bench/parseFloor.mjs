// The YAML parse floor, run as its own process so nothing else shares its heap or JIT state: read
// every candidate file and run `yaml.parseAllDocuments` on it once, timed from the first read to the
// last parse. Also times parsing one file on its own (the keystroke benchmark's file).
// Usage: node parseFloor.mjs <folder> [<file to time alone>]  → one JSON line on stdout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listCandidateFiles } from './files.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { parseAllDocuments } = createRequire(path.join(repoRoot, 'package.json'))('yaml');

const [folder, singleFile] = process.argv.slice(2);
const files = listCandidateFiles(folder);

let bytes = 0;
let documents = 0;
const cpuStart = process.cpuUsage();
const started = performance.now();
for (const file of files) {
  const text = readFileSync(file.path, 'utf8');
  bytes += file.bytes;
  const parsed = parseAllDocuments(text);
  documents += Array.isArray(parsed) ? parsed.length : 1;
}
const floorMs = performance.now() - started;
const cpu = process.cpuUsage(cpuStart);
const floorCpuMs = (cpu.user + cpu.system) / 1000;

let single;
if (singleFile) {
  const text = readFileSync(singleFile, 'utf8');
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    parseAllDocuments(text);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  single = { file: singleFile, bytes: Buffer.byteLength(text), medianMs: times[1], minMs: times[0] };
}

const memory = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ files: files.length, bytes, documents, floorMs, floorCpuMs, single, peakRssMB: peakRssMB() ?? memory.rss / 2 ** 20 })}\n`);

function peakRssMB() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)[1]) / 1024;
  } catch {
    return undefined;
  }
}

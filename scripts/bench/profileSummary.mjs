// Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR` or `node --cpu-prof`): the
// functions with the most self time and the most inclusive time, with their share of the samples.
// Usage: node scripts/bench/profileSummary.mjs FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('Usage: node scripts/bench/profileSummary.mjs FILE.cpuprofile [--top N]');
  process.exit(2);
}
const topIndex = rest.indexOf('--top');
const top = topIndex === -1 ? 25 : Number(rest[topIndex + 1]);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Sample durations: timeDeltas[i] is the time before sample i.
const selfMicros = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i + 1] ?? 0;
  selfMicros.set(profile.samples[i], (selfMicros.get(profile.samples[i]) ?? 0) + delta);
  total += delta;
}

const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

const self = new Map();
const inclusive = new Map();
for (const [id, micros] of selfMicros) {
  const node = nodes.get(id);
  const name = label(node);
  self.set(name, (self.get(name) ?? 0) + micros);
  // Each ancestor function counts once per sample, even when recursive.
  const seen = new Set();
  for (let current = id; current !== undefined; current = parent.get(current)) {
    const key = label(nodes.get(current));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
  }
}

const print = (title, map) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(micros / 1000).toFixed(0).padStart(8)} ms ${((micros / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
};
print('Self time', self);
print('Inclusive time', inclusive);

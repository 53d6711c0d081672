#!/usr/bin/env node
// `npm run fuzz`: the fuzz and resource-attack tests of `npm test`, at full scale (issue 6): 100,000
// engine mutations with the fix property, a 1,000-sample of ../shared/corpus, more documents through the
// language server, 100,000 tiny files. Failing inputs are written to test/fixtures/fuzz-regressions/.
//
//   npm run fuzz                      full run with the default seed
//   npm run fuzz -- --seed 42         another seed (each seed explores different mutations)
//   npm run fuzz -- --count 20000     engine mutation count
//   npm run fuzz -- --engine-only     skip the language-server and file-system tests
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const valueOf = (flag) => {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
};

const env = { ...process.env, KMG_FUZZ: 'long' };
if (valueOf('--seed') !== undefined) env.KMG_FUZZ_SEED = valueOf('--seed');
if (valueOf('--count') !== undefined) env.KMG_FUZZ_COUNT = valueOf('--count');

const files = ['out/test/unit/fuzz.test.js'];
if (!args.includes('--engine-only')) files.push('out/test/lsp/fuzz.test.js', 'out/test/lsp/resourceAttacks.test.js', 'out/test/cli/resourceAttacks.test.js');

const started = Date.now();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], { cwd: root, env, stdio: 'inherit' });
console.log(`fuzz: finished in ${Math.round((Date.now() - started) / 1000)} s (seed ${env.KMG_FUZZ_SEED ?? 'default'})`);
process.exit(result.status ?? 1);

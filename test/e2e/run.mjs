// `npm run test:e2e`: setup (idempotent, cached) + package the extension + run the end-to-end suite.
//   KMG_E2E_VSIX=path.vsix   test that VSIX instead of running `npm run package`
//   KMG_CACHE=dir            where code-server is cached (default ~/.cache/kube-mitm-guard)
//   KMG_E2E_KEEP=1           keep the temporary workspace, user data and logs
// Screenshots go to test-results/e2e/.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const timings = [];

function step(name, cmd, args) {
  const t0 = Date.now();
  console.log(`[e2e] ${name}: ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  timings.push(`${name} ${seconds}s`);
  if (r.status !== 0) {
    console.log(`[e2e] ${name} failed (exit ${r.status ?? r.signal}) after ${seconds}s; timings: ${timings.join(', ')}`);
    process.exit(r.status || 1);
  }
}

step('setup', 'bash', ['scripts/e2e-setup.sh']);
if (process.env.KMG_E2E_VSIX) {
  console.log(`[e2e] using KMG_E2E_VSIX=${process.env.KMG_E2E_VSIX}`);
} else {
  step('package', 'npm', ['run', '--silent', 'package']);
}
const t0 = Date.now();
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', 'test/e2e/e2e.test.mjs'], {
  cwd: root, stdio: 'inherit', env: process.env,
});
timings.push(`suite ${((Date.now() - t0) / 1000).toFixed(1)}s`);
console.log(`[e2e] timings: ${timings.join(', ')}; screenshots in test-results/e2e/`);
process.exit(r.status ?? 1);

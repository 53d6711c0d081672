// Bundles the extension client, the language server and the CLI into dist/ with esbuild.
// The VSIX ships dist/client.js (with dist/extension.js), dist/server.js and dist/scanWorker.js; the npm
// package's bin is dist/cli.js.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  minify: process.argv.includes('--minify'),
  logLevel: 'warning',
};

const builds = [
  // dist/client.js (the manifest's main) loads dist/extension.js through a V8 code cache (client/src/loader.ts).
  { entryPoints: ['client/src/loader.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js' },
  // The workspace scan's worker threads (server/src/lsp/scanPool.ts), loaded from next to server.js or cli.js.
  { entryPoints: ['server/src/lsp/scanWorker.ts'], outfile: 'dist/scanWorker.js' },
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
];

if (watch) {
  for (const build of builds) await (await esbuild.context({ ...common, ...build })).watch();
} else {
  await Promise.all(builds.map((build) => esbuild.build({ ...common, ...build })));
}

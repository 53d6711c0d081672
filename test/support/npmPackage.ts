// The npm package as users get it: `npm pack` of this repository, installed from the tarball with the
// registry out of reach, into temporary folders outside the repository (test/package/). dist/ must be
// built (`npm run build`); packing runs with --ignore-scripts so that `prepack` does not rebuild dist/
// under the other test files, which run in parallel and execute it.
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** out/test/support/ → repository root. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * An environment in which npm can fetch nothing: offline, a registry address nothing listens on, and an
 * empty cache of its own (so a package is never served from the developer's cache either). The npm_*
 * variables `npm test` sets for its scripts are dropped: they would steer the npm run here (prefix, global).
 */
export function offlineNpmEnv(scratch: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  const cache = path.join(scratch, 'npm-cache');
  fs.mkdirSync(cache, { recursive: true });
  return {
    ...env,
    npm_config_offline: 'true',
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_cache: cache,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
    ...extra,
  };
}

export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): CommandResult {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What must succeed: the result, or an error that shows what the command printed. */
export function mustRun(command: string, args: readonly string[], options: Parameters<typeof run>[2]): CommandResult {
  const result = run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

export interface PackedPackage {
  /** Absolute path of kube-mitm-guard-<version>.tgz. */
  tarball: string;
  /** The files in the tarball, relative to the package root, sorted. */
  files: string[];
}

/** `npm pack` into `destination`. */
export function packPackage(destination: string): PackedPackage {
  fs.mkdirSync(destination, { recursive: true });
  const packed = mustRun('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], {
    cwd: REPO_ROOT,
    env: offlineNpmEnv(destination),
  });
  const [summary] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(destination, summary.filename), files: summary.files.map((file) => file.path).sort() };
}

/**
 * `npm install -g --prefix <prefix> --offline ./<tarball>`, run from the tarball's folder as the docs say;
 * returns the folder the `kube-mitm-guard` command was linked into.
 */
export function installGlobally(tarball: string, prefix: string, scratch: string): string {
  mustRun('npm', ['install', '-g', '--prefix', prefix, '--offline', `./${path.basename(tarball)}`], {
    cwd: path.dirname(tarball),
    env: offlineNpmEnv(scratch),
  });
  return path.join(prefix, 'bin');
}

/** PATH with `binDir` first, for running the installed command by name. */
export function pathWith(binDir: string): string {
  return [binDir, process.env.PATH ?? ''].join(path.delimiter);
}

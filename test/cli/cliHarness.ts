// Runs the built CLI (dist/cli.js, made by `npm run build`) as a child process, the way users and CI
// do, on real temporary files.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TempDir as BaseTempDir } from '../support/tempDir';

/** out/test/cli/ → repository root. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'cli');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  stdin?: string | Buffer;
  /** A file to read standard input from, instead of `stdin`. */
  stdinFile?: string;
  env?: Record<string, string | undefined>;
  /** Run `check` with every rule at its default, the deprecation hint included (see withoutDeprecationHint). */
  deprecationHint?: boolean;
}

/** The environment a CI job would have: no colour hints, no CI-specific variables from our own runner. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.KUBE_MITM_GUARD_TEST_PAUSE_BEFORE_REPLACE;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * `external-ips-deprecated` comes once with every Service that uses externalIPs: `check` runs leave it out
 * unless their arguments name it, so the tests about the other rules keep their exact output (the hint has
 * tests of its own).
 */
export function withoutDeprecationHint(args: string[], options: RunOptions): string[] {
  if (options.deprecationHint || args[0] !== 'check' || args.some((arg) => arg.includes('external-ips-deprecated'))) return args;
  return ['check', '--rule', 'external-ips-deprecated=off', ...args.slice(1)];
}

export function runCli(args: string[], options: RunOptions): RunResult {
  // Input the CLI may refuse before reading it all comes from a file: a pipe would fail the write (EPIPE).
  const stdinFile = options.stdinFile === undefined ? undefined : fs.openSync(options.stdinFile, 'r');
  try {
    const result = spawnSync(process.execPath, [CLI, ...withoutDeprecationHint(args, options)], {
      cwd: options.cwd,
      ...(stdinFile === undefined ? { input: options.stdin ?? '' } : { stdio: [stdinFile, 'pipe', 'pipe'] }),
      env: cleanEnv(options.env),
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (result.error) throw result.error;
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    if (stdinFile !== undefined) fs.closeSync(stdinFile);
  }
}

/** Starts the CLI without waiting (for tests that act while it runs). */
export function startCli(args: string[], options: RunOptions): Promise<RunResult> & { pid?: number } {
  const child = spawn(process.execPath, [CLI, ...withoutDeprecationHint(args, options)], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(options.stdin ?? '');
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
  });
  return Object.assign(done, { pid: child.pid });
}

/** A temporary folder for CLI tests, with the CLI fixtures at hand. */
export class TempDir extends BaseTempDir {
  constructor(files: Record<string, string | Buffer> = {}) {
    super(files, 'kmg-cli-');
  }

  /** A copy of a fixture folder under test/fixtures/cli. */
  static fromFixture(name: string): TempDir {
    const dir = new TempDir();
    fs.cpSync(path.join(FIXTURES, name), dir.root, { recursive: true });
    return dir;
  }

  /**
   * The shared CLI workspace fixture, plus what git cannot hold for it: manifests under node_modules/
   * and vendor/ (ignored by .gitignore), which every scan must skip.
   */
  static workspace(): TempDir {
    const dir = TempDir.fromFixture('workspace');
    const excluded = dir.read('ignored/svc.yaml');
    dir.write('node_modules/pkg/svc.yaml', excluded);
    dir.write('vendor/lib/svc.yaml', excluded);
    return dir;
  }
}

export interface JsonFinding {
  file: string;
  rule: string;
  severity: string;
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  documentIndex: number;
  fixes: { kind: string; title: string; fixAll: boolean }[];
  related: { file: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } }; line: number; column: number }[];
}

export interface JsonReport {
  version: number;
  tool: { name: string; version: string };
  summary: { filesChecked: number; filesWithFindings: number; errors: number; warnings: number; information: number; hints: number };
  findings: JsonFinding[];
  skipped: { file: string; reason: string }[];
}

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

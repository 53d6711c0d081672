// Effective settings for the CLI: the nearest `.kube-mitm-guard.yaml` (or --config FILE) with the
// command-line flags on top. The same validator as the editor's reads the file, and an error in it
// stops the run (exit 2): CI must not pass because half of a policy was ignored.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  CONFIG_FILE_NAME,
  EffectiveSettings,
  MAX_CONFIG_BYTES,
  mergeSettings,
  parseProjectConfig,
  ProjectSettings,
  SettingNames,
  SettingsLayer,
  validateSettings,
} from '../engine';
import { UsageError, wholeNumberOf } from './args';

/** The settings that apply to a path: its config file's, with the flags on top. */
export interface PathSettings {
  /** Absolute path of the config file, when one applies. */
  configFile?: string;
  effective: EffectiveSettings;
}

/** The flag that sets each setting, so a problem with a flag's value names the flag. */
const FLAG_OF: Partial<Record<keyof ProjectSettings, string>> = {
  allowedExternalIPCidrs: '--allow-cidr',
  rules: '--rule',
  exclude: '--exclude',
  maxFileSizeKB: '--max-file-size-kb',
  statusWriters: '--status-writer',
};
const flagOf = (key: keyof ProjectSettings): string => FLAG_OF[key] ?? key;
const FLAG_NAMES: SettingNames = { key: flagOf, item: flagOf, entry: (key, name) => `${flagOf(key)} ${name}` };

/**
 * The command line's settings as the top layer, validated like the config file and the editor
 * settings (a bad value is a usage error). `--exclude` globs are relative to the current folder.
 */
export function parseFlagSettings(
  allowCidrs: string[],
  rules: string[],
  exclude: string[],
  maxFileSizeKB: string | undefined,
  statusWriters: string[] = [],
  cwd: string = process.cwd(),
): SettingsLayer {
  const raw: Record<string, unknown> = {};
  if (allowCidrs.length > 0) raw.allowedExternalIPCidrs = allowCidrs;
  if (rules.length > 0) raw.rules = ruleFlags(rules);
  if (exclude.length > 0) raw.exclude = exclude;
  if (statusWriters.length > 0) raw.statusWriters = statusWriters;
  if (maxFileSizeKB !== undefined) raw.maxFileSizeKB = kilobytes(maxFileSizeKB);
  const { settings, problems } = validateSettings(raw, FLAG_NAMES);
  if (problems.length > 0) throw new UsageError(problems[0]);
  return { settings, globBase: cwd };
}

/** A flag's text as the number the setting takes, or as given when it is not one (the validator says so). */
function kilobytes(text: string): number | string {
  return wholeNumberOf(text) ?? text;
}

/** `--rule id=severity` flags as a rules mapping; a later flag for the same rule wins. */
function ruleFlags(entries: string[]): Record<string, string> {
  // No prototype: `--rule __proto__=off` must reach the validator as an unknown rule.
  const rules: Record<string, string> = Object.create(null);
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals === -1) throw new UsageError(`--rule ${JSON.stringify(entry)}: write it as rule-id=severity, e.g. loadbalancer-status=error`);
    rules[entry.slice(0, equals).trim()] = entry.slice(equals + 1).trim();
  }
  return rules;
}

export class ConfigResolver {
  private readonly loaded = new Map<string, Promise<SettingsLayer>>();
  private readonly found = new Map<string, Promise<string | undefined>>();

  /**
   * @param explicitConfig --config FILE: used for every path, no discovery.
   * @param warn prints a warning line (the config file's non-fatal problems, e.g. unknown keys).
   */
  constructor(
    private readonly flags: SettingsLayer,
    private readonly explicitConfig: string | undefined,
    private readonly warn: (line: string) => void,
  ) {}

  /** Settings for a path argument: a folder searches from itself upward, a file from its folder. */
  async forDirectory(directory: string): Promise<PathSettings> {
    const file = this.explicitConfig !== undefined ? path.resolve(this.explicitConfig) : await this.findUpward(path.resolve(directory));
    if (file === undefined) return { effective: mergeSettings([this.flags]) };
    const config = await this.load(file, this.explicitConfig !== undefined);
    return { configFile: file, effective: mergeSettings([config, this.flags]) };
  }

  private findUpward(directory: string): Promise<string | undefined> {
    let pending = this.found.get(directory);
    if (pending === undefined) {
      pending = (async () => {
        const candidate = path.join(directory, CONFIG_FILE_NAME);
        if (await isFile(candidate)) return candidate;
        const parent = path.dirname(directory);
        return parent === directory ? undefined : this.findUpward(parent);
      })();
      this.found.set(directory, pending);
    }
    return pending;
  }

  private load(file: string, explicit: boolean): Promise<SettingsLayer> {
    let pending = this.loaded.get(file);
    if (pending === undefined) {
      pending = this.read(file, explicit);
      this.loaded.set(file, pending);
    }
    return pending;
  }

  /** The config file as a layer; its globs are relative to its folder. */
  private async read(file: string, explicit: boolean): Promise<SettingsLayer> {
    const shown = displayPath(file);
    let text: string;
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) throw new UsageError(`${shown}: the config file is not a regular file`);
      if (stat.size > MAX_CONFIG_BYTES) throw new UsageError(`${shown}: ${stat.size} bytes is too large for a ${CONFIG_FILE_NAME}`);
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UsageError(`${shown}: cannot read the ${explicit ? '--config file' : 'config file'} (${code})`);
    }
    const { settings, problems } = parseProjectConfig(text);
    const located = (problem: (typeof problems)[number]) =>
      `${shown}:${problem.range.start.line + 1}:${problem.range.start.character + 1}: ${problem.message}`;
    for (const problem of problems.filter((candidate) => candidate.severity === 'warning')) this.warn(`warning: ${located(problem)}`);
    const errors = problems.filter((problem) => problem.severity === 'error');
    if (errors.length > 0) {
      // Several lines when the file has several errors, each naming the file, position and problem.
      throw new UsageError(errors.map(located).join('\n'));
    }
    return { settings, globBase: path.dirname(file) };
  }
}

async function isFile(candidate: string): Promise<boolean> {
  try {
    return (await fs.stat(candidate)).isFile();
  } catch {
    return false;
  }
}

/** A path as the user should see it: relative to the current folder when inside it. */
export function displayPath(absolutePath: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, absolutePath);
  if (relative === '') return '.';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return absolutePath;
  return relative;
}

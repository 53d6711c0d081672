// Effective settings for the CLI: the nearest `.kube-mitm-guard.yaml` (or --config FILE) with the
// command-line flags on top. The same validator as the editor's reads the file, and an error in it
// stops the run (exit 2): CI must not pass because half of a policy was ignored.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { checkStatusWriter, CONFIG_FILE_NAME, DEFAULT_SETTINGS, GuardSettings, parseProjectConfig } from '../engine/config';
import { parseAllowedCidr } from '../engine/ipAddresses';
import { RULE_IDS, RuleId, SEVERITY_SETTINGS, SeveritySetting } from '../engine/types';
import { positiveWholeNumber, UsageError } from './args';

/** Settings given on the command line; they win over the config file (allowlists are united). */
export interface FlagSettings {
  allowedCidrs: string[];
  rules: Partial<Record<RuleId, SeveritySetting>>;
  exclude: string[];
  maxFileSizeKB?: number;
  statusWriters: string[];
}

export interface LoadedConfig {
  /** Absolute path of the config file, when one applies. */
  file?: string;
  settings: Partial<GuardSettings>;
}

export interface EffectiveSettings {
  config: LoadedConfig;
  allowedCidrs: string[];
  rules: Partial<Record<RuleId, SeveritySetting>>;
  /** Globs from the config file, relative to the config file's folder. */
  configExclude: string[];
  /** Globs from --exclude, relative to the current folder. */
  flagExclude: string[];
  maxFileSizeKB: number;
  /** The config file's statusWriters and --status-writer, united. */
  statusWriters: string[];
}

/** A policy file is a few lines; anything this big is not one (the language server uses the same bound). */
const MAX_CONFIG_BYTES = 1024 * 1024;

export function parseFlagSettings(
  allowCidrs: string[],
  rules: string[],
  exclude: string[],
  maxFileSizeKB: string | undefined,
  statusWriters: string[] = [],
): FlagSettings {
  for (const cidr of allowCidrs) {
    const parsed = parseAllowedCidr(cidr);
    if ('error' in parsed) throw new UsageError(`--allow-cidr: ${parsed.error}`);
  }
  const ruleSettings: Partial<Record<RuleId, SeveritySetting>> = {};
  for (const entry of rules) {
    const equals = entry.indexOf('=');
    if (equals === -1) throw new UsageError(`--rule ${JSON.stringify(entry)}: write it as rule-id=severity, e.g. loadbalancer-status=error`);
    const id = entry.slice(0, equals).trim();
    const severity = entry.slice(equals + 1).trim();
    if (!(RULE_IDS as readonly string[]).includes(id)) {
      throw new UsageError(`--rule: unknown rule ${JSON.stringify(id)} (known rules: ${RULE_IDS.join(', ')})`);
    }
    if (!(SEVERITY_SETTINGS as readonly string[]).includes(severity)) {
      throw new UsageError(`--rule ${id}: ${JSON.stringify(severity)} is not a severity (use one of ${SEVERITY_SETTINGS.join(', ')})`);
    }
    ruleSettings[id as RuleId] = severity as SeveritySetting;
  }
  for (const glob of exclude) {
    if (glob.trim() === '') throw new UsageError('--exclude: an empty pattern excludes nothing');
    if (glob.trim().startsWith('!')) throw new UsageError(`--exclude ${JSON.stringify(glob)}: negated patterns are not supported`);
  }
  for (const writer of statusWriters) {
    const problem = checkStatusWriter(writer);
    if (problem) throw new UsageError(`--status-writer: ${problem}`);
  }
  const size = maxFileSizeKB === undefined ? undefined : positiveWholeNumber(maxFileSizeKB, 'max-file-size-kb', 'kilobytes');
  return { allowedCidrs: allowCidrs, rules: ruleSettings, exclude, maxFileSizeKB: size, statusWriters };
}

export class ConfigResolver {
  private readonly loaded = new Map<string, Promise<LoadedConfig>>();
  private readonly found = new Map<string, Promise<string | undefined>>();

  /**
   * @param explicitConfig --config FILE: used for every path, no discovery.
   * @param warn prints a warning line (the config file's non-fatal problems, e.g. unknown keys).
   */
  constructor(
    private readonly flags: FlagSettings,
    private readonly explicitConfig: string | undefined,
    private readonly warn: (line: string) => void,
  ) {}

  /** Settings for a path argument: a folder searches from itself upward, a file from its folder. */
  async forDirectory(directory: string): Promise<EffectiveSettings> {
    const file = this.explicitConfig !== undefined ? path.resolve(this.explicitConfig) : await this.findUpward(path.resolve(directory));
    const config = file === undefined ? { settings: {} } : await this.load(file, this.explicitConfig !== undefined);
    const settings = config.settings;
    return {
      config,
      allowedCidrs: [...new Set([...(settings.allowedExternalIPCidrs ?? []), ...this.flags.allowedCidrs])],
      rules: { ...settings.rules, ...this.flags.rules },
      configExclude: settings.exclude ?? [],
      flagExclude: this.flags.exclude,
      maxFileSizeKB: this.flags.maxFileSizeKB ?? settings.maxFileSizeKB ?? DEFAULT_SETTINGS.maxFileSizeKB,
      statusWriters: [...new Set([...(settings.statusWriters ?? []), ...this.flags.statusWriters])],
    };
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

  private load(file: string, explicit: boolean): Promise<LoadedConfig> {
    let pending = this.loaded.get(file);
    if (pending === undefined) {
      pending = this.read(file, explicit);
      this.loaded.set(file, pending);
    }
    return pending;
  }

  private async read(file: string, explicit: boolean): Promise<LoadedConfig> {
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
    return { file, settings };
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

// Validation of settings, one validator per key with one set of messages, whatever the source.
import { parseAllowedCidr } from '../ipAddresses';
import { isClusterWidePopulation, isServiceAccountUsername, parseServiceAccountUsername } from '../rbac/subjects';
import { RULE_IDS, RuleId, SEVERITY_SETTINGS, SeveritySetting } from '../types';
import { ClusterDefinition, CONFIG_FILE_KEYS, CONFIG_FILE_NAME, GuardSettings, ProjectSettings, SCAN_SCOPES, ScanScope, SETTING_KEYS } from './model';
import { describe, fromPlain, isString, Span, Value } from './value';

export type Report = (message: string, span: Span | undefined, severity: 'error' | 'warning') => void;

/**
 * How a problem names the value it is about: as the files spell it (`rules.external-ips`,
 * `exclude[2]`), or as the command-line flag that gave it (`--rule external-ips`, `--exclude`). The
 * message itself is the same for every source.
 */
export interface SettingNames {
  key(key: keyof ProjectSettings): string;
  /** An entry of a list setting. */
  item(key: keyof ProjectSettings, index: number): string;
  /** An entry of a mapping setting, e.g. a rule id. */
  entry(key: keyof ProjectSettings, name: string): string;
}

/** The names in the policy file and the editor settings. */
export const SETTING_NAMES: SettingNames = {
  key: (key) => key,
  item: (key, index) => `${key}[${index}]`,
  entry: (key, name) => `${key}.${name}`,
};

interface Validation {
  report: Report;
  names: SettingNames;
}

function validateStringList(
  key: keyof ProjectSettings,
  value: Value,
  { report, names }: Validation,
  checkItem: (text: string) => string | undefined,
): string[] | undefined {
  return validateStrings(names.key(key), (index) => names.item(key, index), value, report, checkItem);
}

/** A list of strings named `label`, its entries `itemLabel(index)`; invalid entries are reported and dropped. */
function validateStrings(
  label: string,
  itemLabel: (index: number) => string,
  value: Value,
  report: Report,
  checkItem: (text: string) => string | undefined,
): string[] | undefined {
  if (value.kind !== 'list') {
    report(`${label} must be a list of strings, not ${describe(value)}`, value.span, 'error');
    return undefined;
  }
  const kept: string[] = [];
  value.items.forEach((item, index) => {
    if (!isString(item)) {
      report(`${itemLabel(index)} must be a string, not ${describe(item)}`, item.span, 'error');
      return;
    }
    const problem = checkItem(item.value);
    if (problem) report(`${itemLabel(index)}: ${problem}`, item.span, 'error');
    else kept.push(item.value);
  });
  return kept;
}

function checkCidr(text: string): string | undefined {
  const parsed = parseAllowedCidr(text);
  return 'error' in parsed ? parsed.error : undefined;
}

function checkExcludeGlob(text: string): string | undefined {
  return globProblem(text, 'an empty pattern excludes nothing');
}

function checkClusterGlob(text: string): string | undefined {
  return globProblem(text, 'an empty pattern matches no file');
}

function globProblem(text: string, whenEmpty: string): string | undefined {
  if (text.trim() === '') return whenEmpty;
  // picomatch reads a leading "!" as "everything except", which would match nearly every file.
  if (text.trim().startsWith('!')) return `"${text}": negated patterns are not supported`;
  return undefined;
}

/** Why `text` cannot be a `statusWriters` entry, or undefined when it can. */
function checkStatusWriter(text: string): string | undefined {
  if (text.trim() === '') return 'an empty name matches no user, group or service account';
  if (isServiceAccountUsername(text) && parseServiceAccountUsername(text) === undefined) {
    return `"${text}": a service account is written system:serviceaccount:<namespace>:<name>, both non-empty`;
  }
  if (isClusterWidePopulation(text)) {
    return `"${text}" is a whole population of the cluster, not a load-balancer controller: trusting it would hide every grant to it`;
  }
  return undefined;
}

function validateRules(value: Value, { report, names }: Validation): Partial<Record<RuleId, SeveritySetting>> | undefined {
  if (value.kind !== 'map') {
    report(`${names.key('rules')} must be a mapping of rule id to severity, not ${describe(value)}`, value.span, 'error');
    return undefined;
  }
  const rules: Partial<Record<RuleId, SeveritySetting>> = {};
  const seen = new Set<string>();
  for (const { key, value: severity } of value.entries) {
    if (!isString(key) || !(RULE_IDS as readonly string[]).includes(key.value)) {
      report(`${names.key('rules')}: unknown rule ${describe(key)} (known rules: ${RULE_IDS.join(', ')})`, key.span, 'error');
      continue;
    }
    if (seen.has(key.value)) {
      report(`${names.entry('rules', key.value)} is given twice; the first value is used`, key.span, 'error');
      continue;
    }
    seen.add(key.value);
    if (!isString(severity) || !(SEVERITY_SETTINGS as readonly string[]).includes(severity.value)) {
      report(
        `${names.entry('rules', key.value)}: ${describe(severity)} is not a severity (use one of ${SEVERITY_SETTINGS.join(', ')})`,
        severity.span,
        'error',
      );
      continue;
    }
    rules[key.value as RuleId] = severity.value as SeveritySetting;
  }
  return rules;
}

/** `clusters`: cluster name → folder globs, kept in file order (the first match wins). */
function validateClusters(value: Value, { report, names }: Validation): ClusterDefinition[] | undefined {
  if (value.kind !== 'map') {
    report(`${names.key('clusters')} must be a mapping of cluster name to a list of folder globs, not ${describe(value)}`, value.span, 'error');
    return undefined;
  }
  const clusters: ClusterDefinition[] = [];
  for (const { key, value: globs } of value.entries) {
    if (!isString(key) || key.value.trim() === '') {
      report(`${names.key('clusters')}: a cluster name must be a non-empty string, not ${describe(key)}`, key.span, 'error');
      continue;
    }
    const label = names.entry('clusters', key.value);
    if (clusters.some((cluster) => cluster.name === key.value)) {
      report(`${label} is given twice; the first value is used`, key.span, 'error');
      continue;
    }
    const kept = validateStrings(label, (index) => `${label}[${index}]`, globs, report, checkClusterGlob);
    if (kept) clusters.push({ name: key.value, globs: kept });
  }
  return clusters;
}

function validateScope(value: Value, { report, names }: Validation): ScanScope | undefined {
  if (isString(value) && (SCAN_SCOPES as readonly string[]).includes(value.value)) return value.value as ScanScope;
  report(`${names.key('scope')}: ${describe(value)} is not a scope (use one of ${SCAN_SCOPES.join(', ')})`, value.span, 'error');
  return undefined;
}

function validateMaxFileSize(value: Value, { report, names }: Validation): number | undefined {
  if (value.kind === 'scalar' && typeof value.value === 'number' && Number.isSafeInteger(value.value) && value.value >= 1) {
    return value.value;
  }
  report(`${names.key('maxFileSizeKB')} must be a whole number of kilobytes of at least 1, not ${describe(value)}`, value.span, 'error');
  return undefined;
}

/**
 * Validates a settings mapping. From the policy file, unknown keys and empty values are reported;
 * the editor's section holds other settings and leaves unset ones null, so there they are skipped.
 */
export function validateRoot(root: Value, report: Report, fromFile: boolean, names: SettingNames = SETTING_NAMES): Partial<ProjectSettings> {
  const settings: Partial<ProjectSettings> = {};
  // The policy file also takes the keys that describe the repository (`clusters`).
  const keys: readonly string[] = fromFile ? CONFIG_FILE_KEYS : SETTING_KEYS;
  if (root.kind === 'null') return settings;
  if (root.kind !== 'map') {
    report(`The settings must be a mapping with keys ${keys.join(', ')}, not ${describe(root)}`, root.span, 'error');
    return settings;
  }
  const seen = new Set<string>();
  for (const { key, value } of root.entries) {
    if (!isString(key)) {
      report(`Setting names must be strings, not ${describe(key)}`, key.span, 'error');
      continue;
    }
    const name = key.value;
    if (!keys.includes(name)) {
      if (fromFile) report(unknownKeyMessage(name), key.span, 'warning');
      continue;
    }
    if (seen.has(name)) {
      report(`${name} is given twice; the first value is used`, key.span, 'error');
      continue;
    }
    seen.add(name);
    if (value.kind === 'null') {
      if (fromFile) report(`${name} has no value and is ignored`, value.span ?? key.span, 'warning');
      continue;
    }
    assignSetting(settings, name as keyof ProjectSettings, value, { report, names });
  }
  return settings;
}

type Validator<T> = (value: Value, validation: Validation) => T | undefined;

/** The one validator of each key, whatever the source. */
const VALIDATORS: { [K in keyof ProjectSettings]: Validator<ProjectSettings[K]> } = {
  allowedExternalIPCidrs: (value, validation) => validateStringList('allowedExternalIPCidrs', value, validation, checkCidr),
  rules: validateRules,
  scope: validateScope,
  exclude: (value, validation) => validateStringList('exclude', value, validation, checkExcludeGlob),
  maxFileSizeKB: validateMaxFileSize,
  statusWriters: (value, validation) => validateStringList('statusWriters', value, validation, checkStatusWriter),
  clusters: validateClusters,
};

function assignSetting<K extends keyof ProjectSettings>(settings: Partial<ProjectSettings>, name: K, value: Value, validation: Validation): void {
  const validated = (VALIDATORS[name] as Validator<ProjectSettings[K]>)(value, validation);
  if (validated !== undefined) settings[name] = validated;
}

function unknownKeyMessage(name: string): string {
  const prefix = 'kubeMitmGuard.';
  if (name.startsWith(prefix) && (SETTING_KEYS as readonly string[]).includes(name.slice(prefix.length))) {
    return `Unknown setting "${name}": in ${CONFIG_FILE_NAME} write it without the "${prefix}" prefix`;
  }
  if (name === '<<') return 'Merge keys (<<) are not supported in the policy file; the entry is ignored';
  return `Unknown setting ${JSON.stringify(name)} (known settings: ${CONFIG_FILE_KEYS.join(', ')})`;
}

/**
 * Validates settings given as plain values: the editor's `kubeMitmGuard` section, or the command
 * line's flags (with `names` naming the flags). Keys this module does not own (the section holds
 * other settings too) and unset (null) values are ignored rather than reported.
 */
export function validateSettings(raw: unknown, names: SettingNames = SETTING_NAMES): { settings: Partial<GuardSettings>; problems: string[] } {
  const problems: string[] = [];
  try {
    const settings = validateRoot(fromPlain(raw, 0), (message) => problems.push(message), false, names);
    return { settings, problems };
  } catch (error) {
    problems.push(`The settings could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return { settings: {}, problems };
  }
}

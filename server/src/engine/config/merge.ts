// The one merge of the sources of settings (defaults, editor settings, the policy file, command-line
// flags) into the effective settings, and the one adapter from those to the engine's options.
import { parseAllowedCidr, ParsedCidr } from '../ipAddresses';
import { EngineOptions, RuleId, SeveritySetting } from '../types';
import { ClusterDefinition, DEFAULT_SETTINGS, GuardSettings, ProjectSettings, ScanScope } from './model';

/** One source of settings, already validated. */
export interface SettingsLayer {
  settings: Partial<ProjectSettings>;
  /**
   * The absolute folder the layer's globs (`exclude`, `clusters`) are relative to: the policy file's folder, the
   * current folder for flags. Undefined: the folder being checked (the workspace folder, the scanned path).
   */
  globBase?: string;
}

/** Globs and the folder they are relative to (undefined: the folder being checked). */
export interface PathGlobs {
  base?: string;
  globs: string[];
}

/** What every file under one set of settings is checked with. */
export interface EffectiveSettings {
  /** The engine's options for these files, allowlist parsed (plain data: they cross to scan workers). */
  engine: EngineOptions;
  scope: ScanScope;
  /** Every layer's exclude globs, grouped by the folder they are relative to, in layer order. */
  exclude: PathGlobs[];
  maxFileSizeKB: number;
  /** The named clusters (from the policy file) and the folder their globs are relative to. */
  clusters: { base?: string; definitions: ClusterDefinition[] };
}

/**
 * Merges layers given lowest precedence first, on top of the defaults: editor settings, then the
 * policy file, then command-line flags. Lists (allowlist, exclude, status writers) are united: any
 * layer can allow, skip or trust more, none can take back what another allows. A rule's severity and
 * single values (scope, maxFileSizeKB) come from the last layer that sets them: the project's shared
 * policy wins over one user's settings, and a flag over both.
 */
export function mergeSettings(layers: readonly SettingsLayer[]): EffectiveSettings {
  const all: readonly SettingsLayer[] = [{ settings: DEFAULT_SETTINGS }, ...layers];
  const last = <K extends 'scope' | 'maxFileSizeKB'>(key: K): GuardSettings[K] =>
    all.reduce((value, layer) => layer.settings[key] ?? value, DEFAULT_SETTINGS[key]);
  const rules: Partial<Record<RuleId, SeveritySetting>> = {};
  for (const layer of all) Object.assign(rules, layer.settings.rules);
  return {
    engine: {
      allowedCidrs: parsedCidrs(unite(all.map((layer) => layer.settings.allowedExternalIPCidrs))),
      rules,
      statusWriters: unite(all.map((layer) => layer.settings.statusWriters)),
    },
    scope: last('scope'),
    exclude: globsByBase(all),
    maxFileSizeKB: last('maxFileSizeKB'),
    clusters: lastClusters(all),
  };
}

/** The exclude globs relative to the folder being checked (the editor's and its policy file's). */
export function excludeGlobsOfCheckedFolder(settings: EffectiveSettings): string[] {
  return settings.exclude.filter((group) => group.base === undefined).flatMap((group) => group.globs);
}

/**
 * Clusters are not merged: the layer that names them (the policy file) describes the whole repository.
 * Its definitions are passed on as they are, so `clusterNameOf` keeps their compiled globs.
 */
function lastClusters(layers: readonly SettingsLayer[]): EffectiveSettings['clusters'] {
  const layer = [...layers].reverse().find((candidate) => candidate.settings.clusters !== undefined);
  if (layer === undefined) return { definitions: [] };
  return { ...(layer.globBase === undefined ? {} : { base: layer.globBase }), definitions: layer.settings.clusters! };
}

function unite(lists: readonly (readonly string[] | undefined)[]): string[] {
  return [...new Set(lists.flatMap((list) => list ?? []))];
}

/** Entries come validated, so none fails here; one that did would simply allow nothing. */
function parsedCidrs(entries: readonly string[]): ParsedCidr[] {
  const parsed: ParsedCidr[] = [];
  for (const entry of entries) {
    const cidr = parseAllowedCidr(entry);
    if (!('error' in cidr)) parsed.push(cidr);
  }
  return parsed;
}

function globsByBase(layers: readonly SettingsLayer[]): PathGlobs[] {
  const groups: PathGlobs[] = [];
  for (const layer of layers) {
    const globs = layer.settings.exclude ?? [];
    if (globs.length === 0) continue;
    const group = groups.find((candidate) => candidate.base === layer.globBase);
    if (group) group.globs = unite([group.globs, globs]);
    else groups.push({ ...(layer.globBase === undefined ? {} : { base: layer.globBase }), globs: [...globs] });
  }
  return groups;
}

// The settings model shared by the editor's `kubeMitmGuard.*` settings, the project policy file
// (.kube-mitm-guard.yaml) and the command line: the keys, their types and their defaults.
import { RULES } from '../rules/catalog';
import { Range, RULE_IDS, RuleId, Severity, SeveritySetting } from '../types';

export const CONFIG_FILE_NAME = '.kube-mitm-guard.yaml';

export type ScanScope = 'workspace' | 'openFiles' | 'off';
export const SCAN_SCOPES: readonly ScanScope[] = ['workspace', 'openFiles', 'off'];

export interface GuardSettings {
  allowedExternalIPCidrs: string[];
  rules: Partial<Record<RuleId, SeveritySetting>>;
  scope: ScanScope;
  exclude: string[];
  maxFileSizeKB: number;
  /**
   * Users, groups and `system:serviceaccount:<namespace>:<name>` names trusted to write Service status
   * (the team's load-balancer controllers); the RBAC analysis counts them as control plane.
   */
  statusWriters: string[];
}

export const SETTING_KEYS: readonly (keyof GuardSettings)[] = [
  'allowedExternalIPCidrs',
  'rules',
  'scope',
  'exclude',
  'maxFileSizeKB',
  'statusWriters',
];

export const DEFAULT_SETTINGS: Readonly<GuardSettings> = Object.freeze({
  allowedExternalIPCidrs: Object.freeze([]) as unknown as string[],
  rules: Object.freeze({}),
  scope: 'workspace',
  exclude: Object.freeze([]) as unknown as string[],
  maxFileSizeKB: 2048,
  statusWriters: Object.freeze([]) as unknown as string[],
});

export const DEFAULT_RULE_SEVERITY: Readonly<Record<RuleId, Severity>> = Object.freeze(
  Object.fromEntries(RULE_IDS.map((id) => [id, RULES[id].defaultSeverity])) as Record<RuleId, Severity>,
);

/** One named cluster of a repository that keeps several side by side (policy file key `clusters`). */
export interface ClusterDefinition {
  name: string;
  /** Folder globs, relative to the policy file's folder, in the dialect of `exclude`. */
  globs: string[];
}

/**
 * Everything the policy file can set: the settings, and keys that describe the repository rather than
 * one user's preferences, so they have no editor setting.
 */
export interface ProjectSettings extends GuardSettings {
  /** Named clusters, in file order: a file belongs to the first whose globs match it. */
  clusters: ClusterDefinition[];
}

/** The keys of the policy file. */
export const CONFIG_FILE_KEYS: readonly (keyof ProjectSettings)[] = [...SETTING_KEYS, 'clusters'];

export interface ConfigProblem {
  message: string;
  range: Range;
  severity: 'error' | 'warning';
}

/** A policy file is a few lines; a file this big is not one and is not read (the CLI and the editor alike). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

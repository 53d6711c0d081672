// The settings layer: the model, one validator per key, the policy file, the one merge of every
// source, the adapter to engine options, and the allowlist quick fix's text edit.
export * from './model';
export type { SettingNames } from './validate';
export { validateSettings } from './validate';
export { parseProjectConfig } from './policyFile';
export type { EffectiveSettings, PathGlobs, SettingsLayer } from './merge';
export { excludeGlobsOfCheckedFolder, mergeSettings } from './merge';
export { addAllowedCidr } from './allowlistEdit';
export { clusterKey, clusterNameOf } from './clusters';

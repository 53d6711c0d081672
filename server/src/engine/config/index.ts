// The settings layer: model, validation, the policy file, merging, and the allowlist quick fix's edit.
export * from './model';
export { checkStatusWriter, validateSettings } from './validate';
export { parseProjectConfig } from './policyFile';
export { mergeSettings } from './merge';
export { addAllowedCidr } from './allowlistEdit';

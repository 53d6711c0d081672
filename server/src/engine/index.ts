// The engine's facade: text in, findings and fixes out. The language server and the CLI use only this.
export * from './types';
export { AnalysisCache, analyzeText } from './analyze';
export { fixesForFinding, fixAll } from './fixes/fixes';
export { applyEdits } from './textEdits';
export { WorkspaceIndex, linkSignature } from './workspace/workspaceIndex';
export type { LinkStats } from './workspace/workspaceIndex';
export { applyLink } from './workspace/link';
export type { FileLink } from './workspace/link';
export type { FileFacts } from './workspace/facts';
export { bindingScope, REACH_NAMES, ruleText } from './workspace/paths';
export type { BindingOnPath, Grant, Holder, LinkedPath, Located, RoleOnPath, RolePath, SubjectPath } from './workspace/paths';

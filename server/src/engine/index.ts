// The engine's facade: text in, findings and fixes out, and what the language server and the CLI share
// around it (settings, file discovery, the rule catalog). They import the engine only through this file
// (test/unit/layers.test.ts).
export * from './types';
export { AnalysisCache, analyzeText } from './analyze';
export type { FileContext } from './analyze';
export { isHelmValuesFile } from './helm/chartFiles';
export { fileContextOf } from './fileContext';
export { fixesForFinding, fixAll, linkedFindingFixes } from './fixes/fixes';
export { applyEdits } from './textEdits';
export { WorkspaceIndex, linkSignature } from './workspace/workspaceIndex';
export type { LinkStats } from './workspace/workspaceIndex';
export { applyLink } from './workspace/link';
export type { FileLink } from './workspace/link';
export type { FileFacts } from './workspace/facts';
export { bindingScope, REACH_NAMES, ruleText } from './workspace/paths';
export type { BindingOnPath, Grant, Holder, LinkedPath, Located, RoleOnPath, RolePath, SubjectPath } from './workspace/paths';
export * from './config';
export {
  createExcludeMatcher,
  createGlobMatcher,
  decodeManifestBytes,
  discoverFiles,
  formatSize,
  isCandidateFileName,
  LOSSY_READS,
  readManifestFile,
  readManifestFileSync,
} from './fileDiscovery';
export type { LossyReason, ManifestRead, ManifestText } from './fileDiscovery';
export { RULES, ruleDocsUrl } from './rules/catalog';
export { checkExternalIP } from './ipAddresses';
export { AUDIT_RULE_IDS, AUDIT_RULES } from './audit/auditRules';
export type { AuditRuleDescription, AuditRuleId } from './audit/auditRules';
export { AuditLogReader, DEFAULT_MAX_LINE_BYTES } from './audit/reader';
export type { AuditCounts, AuditReadOptions, AuditReport, UnreadableLine } from './audit/reader';
export type { AuditFinding, AuditSummary, Outcome, StatusWriterCount } from './audit/judge';
export { AUDIT_POLICY_RULES, auditPolicyText, mergeAuditPolicy } from './audit/auditPolicy';
export type { MergeResult } from './audit/auditPolicy';

// The engine's public vocabulary. Nothing here knows about LSP or VS Code, but positions and
// edits use the LSP shapes (0-based lines, UTF-16 code units) so the server can pass them on as-is.
import type { ParsedCidr } from './ipAddresses';
import type { FileFacts } from './workspace/facts';

export type { ParsedCidr };

export const RULE_IDS = [
  'external-ips',
  'external-ip-invalid',
  'external-ip-conflict',
  'loadbalancer-status',
  'rbac-services-status',
  'rbac-services-status-binding',
  'rbac-endpoints-write',
  'rbac-endpoints-write-binding',
  'mitigation-not-enforced',
  'mitigation-allowlist',
  'external-ips-deprecated',
  'deny-external-ips-admission',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** Findings about our own suppression comments (not a configurable rule). */
export const UNUSED_SUPPRESSION = 'unused-suppression' as const;
export type FindingCode = RuleId | typeof UNUSED_SUPPRESSION;

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type SeveritySetting = Severity | 'off';
export const SEVERITY_SETTINGS: readonly SeveritySetting[] = ['error', 'warning', 'information', 'hint', 'off'];
/** How severe each severity is, for comparing them (--fail-on, caps). */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 4, warning: 3, information: 2, hint: 1 };

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** What a fix does, so callers can pick fixes without parsing titles. */
export type FixKind =
  | 'remove-external-ip'
  | 'remove-external-ips-key'
  | 'allow-external-ip'
  | 'remove-loadbalancer-ingress'
  | 'remove-services-status-write'
  | 'remove-endpoints-write'
  | 'enable-deny-external-ips'
  | 'suppress-line'
  | 'remove-suppression'
  | 'enforce-mitigation'
  | 'remove-patch-operation';

/** A fix whose edits apply to the analysed text itself. */
export interface TextFix {
  kind: Exclude<FixKind, 'allow-external-ip'>;
  title: string;
  edits: TextEdit[];
  /** Safe to apply together with the other fix-all fixes of the same file. */
  fixAll: boolean;
  isPreferred: boolean;
}

/** A fix that changes the project config file instead of the manifest. */
export interface AllowListFix {
  kind: 'allow-external-ip';
  title: string;
  /** The CIDR to add to `allowedExternalIPCidrs` (a /32 or /128). */
  cidr: string;
  fixAll: false;
  isPreferred: false;
}

export type Fix = TextFix | AllowListFix;

/** Another place that explains a finding: where the grant is written, who is bound, the other Service. */
export interface RelatedLocation {
  /**
   * The file as the caller named it to the workspace index (a path for the CLI, a URI for the server);
   * absent for a place in the finding's own file (the anchored node behind an alias).
   */
  file?: string;
  range: Range;
  message: string;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  message: string;
  range: Range;
  /** Offsets into the analysed text (UTF-16 code units, i.e. JS string indices). */
  startOffset: number;
  endOffset: number;
  /** Stable within one text: identifies the finding when a code action asks for its fixes. */
  key: string;
  /** Index of the YAML document (`---` separated) the finding is in. */
  documentIndex: number;
  /** The path behind a workspace finding (set by the link phase). */
  related?: RelatedLocation[];
}

export interface EngineOptions {
  /**
   * Allowed externalIP ranges, parsed by the settings layer (`engine/config`); empty means every
   * externalIP is flagged.
   */
  allowedCidrs: readonly ParsedCidr[];
  /** Severity per rule; rules missing here use their default. */
  rules: Partial<Record<RuleId, SeveritySetting>>;
  /**
   * Subjects trusted to write Service status (config key `statusWriters`): user and group names, and
   * service accounts as `system:serviceaccount:<namespace>:<name>`. They count as control plane.
   */
  statusWriters?: readonly string[];
}

export type SkipReason = 'helm-template' | 'not-a-manifest' | 'too-large' | 'binary';

export interface AnalysisResult {
  findings: Finding[];
  /** Documents in the text (parsed or not). */
  documentCount: number;
  /**
   * Parsed documents that had YAML errors and were skipped (editors already show syntax errors).
   * Documents the text pre-check rules out are not parsed and not counted here.
   */
  unparsableDocuments: number;
  /** Helm template documents (with `{{ }}`) skipped because they are not YAML even with their actions neutralised. */
  templatedDocuments: number;
  /** Set when the whole text was not analysed, with the reason (for logs). */
  skippedReason?: string;
  /** What the link phase needs of this file (roles, bindings, Services with externalIPs, suppression comments); absent when it has none. */
  facts?: FileFacts;
}

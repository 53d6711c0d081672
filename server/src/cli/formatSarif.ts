// `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers. Regions are 1-based;
// columns count UTF-16 code units (SARIF's default `columnKind`, stated explicitly in the run).
// partialFingerprints (fingerprints.ts) let code scanning keep tracking a finding when lines above it move.
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { Finding, FindingCode, Range, RULE_IDS, ruleDocsUrl, RULES, Severity, UNUSED_SUPPRESSION } from '../engine';
import { findingFingerprints } from './fingerprints';
import { fileId, FileReport, portablePath, RunReport } from './report';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/kube-mitm-guard/kube-mitm-guard';
export const FINGERPRINT_KEY = 'kubeMitmGuard/v1';
const SOURCE_ROOT = 'SRCROOT';

type Level = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, Level> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/**
 * GitHub code scanning ranks security alerts by the rule's `security-severity`, a score from 0.0 to 10.0
 * (9.0 and over critical, 7.0 high, 4.0 medium, below that low). It follows the rule's default severity,
 * so every rule of the registry gets one without a list here to keep up to date.
 */
export const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.5', information: '3.0', hint: '1.0' };

interface RuleDescriptor {
  id: FindingCode;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri: string;
  help: { text: string };
  defaultConfiguration: { level: Level };
  properties: { tags: string[]; 'security-severity'?: string };
}

function camelName(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}

export function sarifRules(): RuleDescriptor[] {
  const rules: RuleDescriptor[] = RULE_IDS.map((id) => ({
    id,
    name: camelName(id),
    shortDescription: { text: RULES[id].shortDescription },
    fullDescription: { text: RULES[id].fullDescription },
    helpUri: ruleDocsUrl(id),
    help: { text: `${RULES[id].fullDescription} See ${ruleDocsUrl(id)}` },
    defaultConfiguration: { level: LEVEL[RULES[id].defaultSeverity] },
    properties: { tags: ['security', 'kubernetes', ...RULES[id].tags], 'security-severity': SECURITY_SEVERITY[RULES[id].defaultSeverity] },
  }));
  rules.push({
    id: UNUSED_SUPPRESSION,
    name: camelName(UNUSED_SUPPRESSION),
    shortDescription: { text: 'Suppression comment that suppresses nothing' },
    fullDescription: {
      text: 'A kube-mitm-guard-disable comment whose rule reports nothing at that place. Remove it so it cannot hide a future finding.',
    },
    helpUri: ruleDocsUrl(UNUSED_SUPPRESSION),
    help: { text: `Remove the unused suppression. See ${ruleDocsUrl(UNUSED_SUPPRESSION)}` },
    defaultConfiguration: { level: 'note' },
    properties: { tags: ['maintainability'] },
  });
  return rules;
}

/** The path behind a workspace finding, as SARIF relatedLocations (ids number them within the result). */
function relatedLocations(finding: Finding, ownFile: FileReport, filesById: Map<string, FileReport>, cwd: string): { relatedLocations?: unknown[] } {
  if (!finding.related || finding.related.length === 0) return {};
  const locationOf = (id: string | undefined) => {
    if (id === undefined) return artifactUri(ownFile, cwd);
    const file = filesById.get(id);
    return file ? artifactUri(file, cwd) : { uri: pathToFileURL(id).href };
  };
  return {
    relatedLocations: finding.related.map((related, index) => ({
      id: index + 1,
      physicalLocation: { artifactLocation: locationOf(related.file), region: sarifRegion(related.range) },
      message: { text: related.message },
    })),
  };
}

/** SARIF regions are 1-based; columns stay UTF-16 code units (the run's columnKind). */
function sarifRegion(range: Range): { startLine: number; startColumn: number; endLine: number; endColumn: number } {
  return { startLine: range.start.line + 1, startColumn: range.start.character + 1, endLine: range.end.line + 1, endColumn: range.end.character + 1 };
}

function artifactUri(file: FileReport, cwd: string): { uri: string; uriBaseId?: string } {
  if (file.absolutePath === undefined) return { uri: 'stdin' };
  const relative = path.relative(cwd, file.absolutePath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return { uri: pathToFileURL(file.absolutePath).href };
  // Percent-encode each segment (spaces, #, % ...) so the uri is a valid URI reference.
  return { uri: portablePath(relative).split('/').map(encodeURIComponent).join('/'), uriBaseId: SOURCE_ROOT };
}

export function formatSarif(report: RunReport, toolVersion: string, cwd: string = process.cwd()): string {
  const rules = sarifRules();
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const filesById = new Map(report.files.map((file) => [fileId(file), file]));
  const results = report.files.flatMap((file) => {
    const location = artifactUri(file, cwd);
    const fingerprints = findingFingerprints(file);
    return file.findings.map((finding, index) => ({
      ruleId: finding.code,
      ruleIndex: ruleIndex.get(finding.code)!,
      level: LEVEL[finding.severity],
      message: { text: finding.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: location,
            region: sarifRegion(finding.range),
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprints[index] },
      ...relatedLocations(finding, file, filesById, cwd),
    }));
  });
  const sarif = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kube-mitm-guard',
            version: toolVersion,
            semanticVersion: toolVersion,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        originalUriBaseIds: { [SOURCE_ROOT]: { uri: pathToFileURL(cwd.endsWith(path.sep) ? cwd : cwd + path.sep).href } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.skipped.map((skipped) => ({
              level: 'warning',
              message: { text: `${portablePath(skipped.displayPath)} was not checked: ${skipped.reason}` },
            })),
          },
        ],
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

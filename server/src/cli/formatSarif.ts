// `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other viewers. Regions are 1-based;
// columns count UTF-16 code units (SARIF's default `columnKind`, stated explicitly in the run).
// partialFingerprints hash the rule, the file and the finding's normalised line text (never its
// line number), so code scanning keeps tracking a finding when lines above it move.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { Finding, FindingCode, Range, RULE_IDS, ruleDocsUrl, RULES, Severity, UNUSED_SUPPRESSION } from '../engine';
import { fileId, FileReport, portablePath, RunReport } from './report';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/kube-mitm-guard/kube-mitm-guard';
export const FINGERPRINT_KEY = 'kubeMitmGuard/v1';
const SOURCE_ROOT = 'SRCROOT';

type Level = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, Level> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

interface RuleDescriptor {
  id: FindingCode;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri: string;
  help: { text: string };
  defaultConfiguration: { level: Level };
  properties: { tags: string[] };
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
    properties: { tags: ['security', 'kubernetes', ...RULES[id].tags] },
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

function lineTexts(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

function normalise(line: string): string {
  return line.replace(/^\uFEFF/, '').replace(/\s+/g, ' ').trim();
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
    const lines = lineTexts(file.text);
    const location = artifactUri(file, cwd);
    const seen = new Map<string, number>();
    return file.findings.map((finding) => {
      const { start, end } = finding.range;
      const snippet = lines.slice(start.line, end.line + 1).map(normalise).join('\n');
      const hash = createHash('sha256')
        .update(`${finding.code}\u0000${portablePath(file.displayPath)}\u0000${snippet}`)
        .digest('hex')
        .slice(0, 32);
      // Identical lines in one file (two Services with the same externalIP) stay distinct.
      const occurrence = (seen.get(hash) ?? 0) + 1;
      seen.set(hash, occurrence);
      return {
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
        partialFingerprints: { [FINGERPRINT_KEY]: `${hash}:${occurrence}` },
        ...relatedLocations(finding, file, filesById, cwd),
      };
    });
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

// Turns engine findings into LSP diagnostics. The `data` field carries what a code action needs to ask
// the engine for fixes later (the finding key and the document version it was computed for), so fixes
// are never derived from message text.
import { Diagnostic, DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver/node';
import { Finding, ruleDocsUrl, Severity, UNUSED_SUPPRESSION } from '../engine';
import { DIAGNOSTIC_SOURCE } from './protocol';

export interface FindingDiagnosticData {
  key: string;
  uri: string;
  /** Version of the open document the finding was computed for; null for text read from disk. */
  version: number | null;
}

export function toDiagnosticSeverity(severity: Severity): DiagnosticSeverity {
  switch (severity) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'information':
      return DiagnosticSeverity.Information;
    case 'hint':
      return DiagnosticSeverity.Hint;
  }
}

/** `uriOf` turns the file names of related locations (canonical URIs) into the URIs the client uses; a location without one is in `uri`. */
export function findingToDiagnostic(finding: Finding, uri: string, version: number | null, uriOf: (file: string) => string = (file) => file): Diagnostic {
  const data: FindingDiagnosticData = { key: finding.key, uri, version };
  const diagnostic: Diagnostic = {
    range: finding.range,
    severity: toDiagnosticSeverity(finding.severity),
    source: DIAGNOSTIC_SOURCE,
    code: finding.code,
    codeDescription: { href: ruleDocsUrl(finding.code) },
    message: finding.message,
    data,
  };
  if (finding.related && finding.related.length > 0) {
    diagnostic.relatedInformation = finding.related.map((related) => ({
      location: { uri: related.file === undefined ? uri : uriOf(related.file), range: related.range },
      message: related.message,
    }));
  }
  // A suppression comment that suppresses nothing is dead text: editors grey it out.
  if (finding.code === UNUSED_SUPPRESSION) diagnostic.tags = [DiagnosticTag.Unnecessary];
  return diagnostic;
}

export function isFindingDiagnosticData(value: unknown): value is FindingDiagnosticData {
  if (typeof value !== 'object' || value === null) return false;
  const data = value as Record<string, unknown>;
  return (
    typeof data.key === 'string' &&
    typeof data.uri === 'string' &&
    (data.version === null || typeof data.version === 'number')
  );
}

export interface DiagnosticCounts {
  errors: number;
  warnings: number;
  others: number;
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): DiagnosticCounts {
  const counts: DiagnosticCounts = { errors: 0, warnings: 0, others: 0 };
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === DiagnosticSeverity.Error) counts.errors++;
    else if (diagnostic.severity === DiagnosticSeverity.Warning) counts.warnings++;
    else counts.others++;
  }
  return counts;
}

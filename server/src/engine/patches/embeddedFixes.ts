// Text fixes of a finding inside a Kustomize inline patch: the rule module builds them on the patch text
// (its own parse), they are proven there (the edited patch text decodes to the intended data), then moved
// to the file by embeddedText.ts, which proves that the edited file's string is exactly the edited patch
// text; fixes.ts then verifies the file edit as any other (the string's new value is the intended change).
import { Document } from 'yaml';
import type { DetailedAnalysis, DetailedFinding } from '../analyze';
import { FixCandidate, RuleFixes } from '../fixes/fixTypes';
import { IntendedChange, indexPathTo } from '../fixes/intendedChange';
import { expectedData } from '../fixes/verify';
import { LineIndex } from '../lineIndex';
import { EmbeddedSource, FindingTarget } from '../rules/ruleTypes';
import { applyOffsetEdits } from '../textEdits';
import { parseSourceDocuments } from '../yamlParse';

/** `fileDocument`: the file's document that holds the patch string (the finding's). */
export function embeddedTextFixes(
  fileDocument: Document,
  finding: DetailedFinding,
  embedded: EmbeddedSource,
  target: FindingTarget,
  textFixes: NonNullable<RuleFixes['textFixes']>,
): FixCandidate[] {
  const text = embedded.text.text;
  const analysis: DetailedAnalysis = { findings: [], documentCount: embedded.documents.length, unparsableDocuments: 0, templatedDocuments: 0, documents: embedded.documents, lines: new LineIndex(text) };
  const inner: DetailedFinding = { ...finding, documentIndex: embedded.documentIndex, embedded: undefined };
  const candidates: FixCandidate[] = [];
  for (const candidate of textFixes({ text, analysis, finding: inner, target })) {
    const edited = applyOffsetEdits(text, candidate.edits);
    if (edited === undefined || !decodesAsIntended(embedded, edited, candidate.change)) continue;
    const fileEdits = embedded.text.fileEdits(candidate.edits);
    if (!fileEdits) continue;
    const path = indexPathTo(fileDocument, embedded.holder);
    if (!path) continue;
    candidates.push({ ...candidate, edits: fileEdits, change: { kind: 'replace-value', documentIndex: finding.documentIndex, path, value: edited } });
  }
  return candidates;
}

/** Whether the edited patch text parses to the same documents, each the original's data with only `change` made. */
function decodesAsIntended(embedded: EmbeddedSource, edited: string, change: IntendedChange): boolean {
  if (change.kind === 'none') return false;
  let after;
  try {
    after = parseSourceDocuments(edited);
  } catch {
    return false;
  }
  if (after.length !== embedded.documents.length) return false;
  return embedded.documents.every((before, index) => {
    if (!before.parsed) return !after[index].parsed;
    if (!after[index].parsed) return false;
    const expected = index === change.documentIndex ? expectedData(before.document, change) : expectedData(before.document, { kind: 'none' });
    return JSON.stringify(expected) === JSON.stringify(after[index].document.toJS({ maxAliasCount: 10_000 }));
  });
}


// Fingerprints that identify a finding across commits, for the formats that track findings over time
// (SARIF partialFingerprints for GitHub code scanning, GitLab code quality's fingerprint). They hash the
// rule, the file and the finding's whitespace-normalised line text, never its line number: a finding keeps
// its fingerprint when lines above it are added or removed, and gets a new one when its own line changes.
import { createHash } from 'node:crypto';
import { FileReport, portablePath } from './report';

function lineTexts(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

function normalise(line: string): string {
  return line.replace(/^\uFEFF/, '').replace(/\s+/g, ' ').trim();
}

/** One fingerprint per finding of the file, in the same order: a 32-hex-digit hash, `:`, an occurrence number. */
export function findingFingerprints(file: FileReport): string[] {
  const lines = lineTexts(file.text);
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
    return `${hash}:${occurrence}`;
  });
}

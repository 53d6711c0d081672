// `--format text`: one line per finding, `file:line:col severity rule message`, with 1-based line
// and column (the column counts UTF-16 code units, as editors do), grouped by file. On a terminal the
// severities are coloured and files are separated by a blank line; piped output is plain.
import { Severity } from '../engine';
import { countBySeverity, RunReport } from './report';

const RESET = '\u001b[0m';
const STYLES = {
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  underline: '\u001b[4m',
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  cyan: '\u001b[36m',
} as const;

const SEVERITY_STYLE: Record<Severity, keyof typeof STYLES> = { error: 'red', warning: 'yellow', information: 'blue', hint: 'cyan' };

export function formatText(report: RunReport, color: boolean): string {
  const paint = (style: keyof typeof STYLES, text: string) => (color ? `${STYLES[style]}${text}${RESET}` : text);
  const out: string[] = [];
  const filesWithFindings = report.files.filter((file) => file.findings.length > 0);
  for (const file of filesWithFindings) {
    if (color) out.push(paint('underline', file.displayPath));
    for (const finding of file.findings) {
      const location = `${file.displayPath}:${finding.range.start.line + 1}:${finding.range.start.character + 1}`;
      out.push(`${location} ${paint(SEVERITY_STYLE[finding.severity], finding.severity)} ${paint('dim', finding.code)} ${finding.message}`);
    }
    if (color) out.push('');
  }
  out.push(summaryLine(report, color));
  return out.join('\n') + '\n';
}

export function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
}

export function summaryLine(report: RunReport, color: boolean): string {
  const counts = countBySeverity(report);
  const total = counts.error + counts.warning + counts.information + counts.hint;
  const checked = plural(report.filesChecked, 'file');
  if (total === 0) return `No problems found (${checked} checked).`;
  const parts = [
    counts.error > 0 ? plural(counts.error, 'error') : '',
    counts.warning > 0 ? plural(counts.warning, 'warning') : '',
    counts.information > 0 ? `${counts.information} information` : '',
    counts.hint > 0 ? plural(counts.hint, 'hint') : '',
  ].filter((part) => part !== '');
  const withFindings = report.files.filter((file) => file.findings.length > 0).length;
  const line = `${plural(total, 'problem')} (${parts.join(', ')}) in ${plural(withFindings, 'file')} (${checked} checked).`;
  return color ? `${STYLES.bold}${line}${RESET}` : line;
}

// `kube-mitm-guard audit-log [FILE...|-]`: CVE-2020-8554 in kube-apiserver audit logs, judged by the
// engine with the same allowlist and status writers as `check` (same config resolution, same --fail-on).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLogReader, DEFAULT_MAX_LINE_BYTES, UnreadableLine } from '../engine';
import { all, oneOf, parseArgs, positiveWholeNumber, single, UsageError } from './args';
import { ConfigResolver, displayPath, parseFlagSettings } from './configResolver';
import { AuditRun, formatAuditJson, formatAuditText } from './formatAudit';
import { Output } from './output';
import { DEFAULT_FAIL_ON, exitCodeFor, FAIL_ON_VALUES } from './report';

export const AUDIT_LOG_HELP = `Usage: kube-mitm-guard audit-log [options] [FILE...|-]

Reads kube-apiserver audit logs (audit.k8s.io Events, one JSON object per line as the log backend writes
them, or an EventList document; gzip-compressed or not) and reports CVE-2020-8554 activity:
  audit-services-status-write  patch/update of services/status by a user who is not an allowed status writer
  audit-external-ips           a Service write that sets externalIPs outside the allowlist, or invalid ones
  audit-rbac-grant             a role write granting patch/update on services/status, or a binding to one
Files are read in the order given (rotated logs: oldest first); - or no file reads standard input.
Log what it needs with the rules of kube-mitm-guard audit-policy.

Configuration: the nearest .kube-mitm-guard.yaml from the current folder upward, or --config FILE
(allowedExternalIPCidrs, statusWriters); flags are applied on top of it.

Options:
  --config FILE          use this config file instead of searching for .kube-mitm-guard.yaml
  --allow-cidr CIDR      also allow externalIPs in CIDR (repeatable)
  --status-writer NAME   also trust NAME to write Service status: a user, a group or
                         system:serviceaccount:NAMESPACE:NAME (repeatable)
  --fail-on LEVEL        exit 1 when a finding is at least this severe: error, warning (default),
                         information, hint, or never
  --format FORMAT        text (default) or json
  --max-document-mb N    the largest EventList document read whole (default: 256)
  -h, --help             show this help

A succeeded request is an error, a refused one a warning, a dry run (dryRun=All) information.
Lines that are not audit Events are named on standard error (file:line) and skipped.

Exit codes: 0 no finding at or above --fail-on; 1 such findings; 2 usage or configuration error, or no
input held a readable audit event (only unreadable lines, or inputs that could not be read).
`;

const AUDIT_LOG_OPTIONS = {
  config: { value: true },
  'allow-cidr': { value: true, repeatable: true },
  'status-writer': { value: true, repeatable: true },
  'fail-on': { value: true },
  format: { value: true },
  'max-document-mb': { value: true },
  help: { short: 'h' },
} as const;

const FORMATS = ['text', 'json'] as const;
const DEFAULT_MAX_DOCUMENT_MB = 256;
/** Unreadable lines named per file on standard error; the rest are counted. */
const MAX_NAMED_UNREADABLE = 20;
const STDIN = '-';
const STDIN_NAME = '<stdin>';

export async function runAuditLog(argv: readonly string[], output: Output, toolVersion: string, stdinIsTTY = process.stdin.isTTY === true): Promise<number> {
  const args = parseArgs(argv, AUDIT_LOG_OPTIONS, 'audit-log');
  if (args.flags.has('help')) {
    output.stdout(AUDIT_LOG_HELP);
    return 0;
  }
  const format = oneOf(single(args, 'format'), FORMATS, 'format') ?? 'text';
  const failOn = oneOf(single(args, 'fail-on'), FAIL_ON_VALUES, 'fail-on') ?? DEFAULT_FAIL_ON;
  const documentOption = single(args, 'max-document-mb');
  const maxDocumentMB = documentOption === undefined ? DEFAULT_MAX_DOCUMENT_MB : positiveWholeNumber(documentOption, 'max-document-mb', 'megabytes');
  const inputs = args.positionals.length > 0 ? args.positionals : [STDIN];
  if (inputs.filter((input) => input === STDIN).length > 1) throw new UsageError('- (standard input) can be given only once');
  if (args.positionals.length === 0 && stdinIsTTY) throw new UsageError('audit-log needs a file, or an audit log on standard input (see kube-mitm-guard audit-log --help)');
  const cwd = process.cwd();
  for (const input of inputs) {
    if (input === STDIN) continue;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path.resolve(cwd, input));
    } catch (error) {
      throw new UsageError(`${input}: no such file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (stat.isDirectory()) throw new UsageError(`${input}: is a folder; name the log files (rotated logs oldest first)`);
  }

  const flags = parseFlagSettings(all(args, 'allow-cidr'), [], [], undefined, all(args, 'status-writer'));
  const resolver = new ConfigResolver(flags, single(args, 'config'), (line) => output.stderr(`${line}\n`));
  const { effective } = await resolver.forDirectory(cwd);
  const unreadablePerFile = new Map<string, number>();
  const reader = new AuditLogReader(
    {
      allowedCidrs: effective.engine.allowedCidrs,
      statusWriters: effective.engine.statusWriters ?? [],
      maxDocumentBytes: maxDocumentMB * 1024 * 1024,
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
    },
    (line: UnreadableLine) => {
      const count = (unreadablePerFile.get(line.file) ?? 0) + 1;
      unreadablePerFile.set(line.file, count);
      if (count <= MAX_NAMED_UNREADABLE) output.stderr(`warning: ${line.file}:${line.line}: skipped: ${line.reason}\n`);
    },
  );
  const files: string[] = [];
  for (const input of inputs) {
    const shown = input === STDIN ? STDIN_NAME : displayPath(path.resolve(cwd, input), cwd);
    files.push(shown);
    await reader.read(shown, input === STDIN ? process.stdin : fileChunks(path.resolve(cwd, input)));
  }
  const report = reader.finish();
  const order = new Map(files.map((file, index) => [file, index]));
  const findings = [...report.findings].sort((a, b) => order.get(a.file)! - order.get(b.file)! || a.line - b.line);
  const run: AuditRun = { report, files, findings };

  for (const [file, count] of unreadablePerFile) {
    if (count > MAX_NAMED_UNREADABLE) output.stderr(`warning: ${file}: ${count - MAX_NAMED_UNREADABLE} more lines skipped as unreadable\n`);
  }
  for (const problem of report.inputProblems) output.stderr(`warning: ${problem.file}: ${problem.reason}\n`);
  const { serviceWritesWithoutBody, rbacWritesWithoutResult } = report.summary;
  if (serviceWritesWithoutBody > 0) {
    output.stderr(
      `note: ${serviceWritesWithoutBody} write${serviceWritesWithoutBody === 1 ? '' : 's'} to services could not be judged for the addresses ${serviceWritesWithoutBody === 1 ? 'it sets' : 'they set'}: ` +
        'the body was not logged (level Metadata) or a patch was logged without its response. Log services create/update at level Request and patch at RequestResponse (kube-mitm-guard audit-policy prints the rules).\n',
    );
  }
  if (rbacWritesWithoutResult > 0) {
    output.stderr(
      `note: ${rbacWritesWithoutResult} RBAC write${rbacWritesWithoutResult === 1 ? '' : 's'} could not be judged: the resulting object was not logged. ` +
        'Log RBAC writes at level RequestResponse (kube-mitm-guard audit-policy prints the rules).\n',
    );
  }
  output.stdout(format === 'json' ? formatAuditJson(run, toolVersion) : formatAuditText(run));
  // As check: a run that read nothing must not pass (input that is empty is no failure).
  const { linesRead, unreadableLines } = report.counts;
  if (linesRead - unreadableLines <= 0 && (unreadableLines > 0 || report.inputProblems.length > 0)) {
    output.stderr('kube-mitm-guard: nothing was read: no input held a readable audit event (see the warnings above)\n');
    return 2;
  }
  return exitCodeFor(findings.map((finding) => finding.severity), failOn);
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * A file's bytes in fresh chunks, read blocking: the command line has nothing else to do meanwhile, and
 * Node's asynchronous file stream waits for the thread pool between chunks (docs/performance.md).
 */
function* fileChunks(file: string): Generator<Buffer> {
  const descriptor = fs.openSync(file, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const read = fs.readSync(descriptor, chunk, 0, CHUNK_BYTES, null);
      if (read === 0) return;
      yield read === CHUNK_BYTES ? chunk : chunk.subarray(0, read);
    }
  } finally {
    fs.closeSync(descriptor);
  }
}

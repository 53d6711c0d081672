// `kube-mitm-guard check [paths...]`: the editor's verdicts for CI and pre-commit, from the same engine.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  AnalysisCache,
  analyzeText,
  fileContextOf,
  applyLink,
  clusterKey,
  clusterNameOf,
  CONFIG_FILE_NAME,
  createGlobMatcher,
  decodeManifestBytes,
  discoverFiles,
  EffectiveSettings,
  FileFacts,
  Finding,
  fixAll,
  fixesForFinding,
  formatSize,
  LOSSY_READS,
  ManifestText,
  readManifestFileSync,
  WorkspaceIndex,
} from '../engine';
import { all, oneOf, parseArgs, positiveWholeNumber, single, UsageError } from './args';
import { replaceFileAtomically } from './atomicWrite';
import { ConfigResolver, displayPath, parseFlagSettings, PathSettings } from './configResolver';
import { formatGitlab } from './formatGitlab';
import { formatJson } from './formatJson';
import { formatSarif } from './formatSarif';
import { formatText } from './formatText';
import { colorEnabled, Output } from './output';
import { Progress } from './progress';
import { compareFindings, DEFAULT_FAIL_ON, exitCodeFor, FAIL_ON_VALUES, FailOn, fileId, FileReport, FixSummary, RunReport } from './report';
import { unifiedDiff } from './unifiedDiff';

export const CHECK_HELP = `Usage: kube-mitm-guard check [options] [paths...]

Checks Kubernetes manifests for the CVE-2020-8554 man-in-the-middle risk, with the same rules and
verdicts as the editor extension. Paths are files, folders (searched recursively for *.yaml, *.yml and
*.json; node_modules, .git and vendor are always skipped) or - for standard input. Default: the
current folder.

Configuration: the nearest .kube-mitm-guard.yaml in the path's folder or above (for standard input:
the current folder or above), or the file given with --config. Flags are applied on top of it.

Options:
  --config FILE             use this config file instead of searching for .kube-mitm-guard.yaml
  --allow-cidr CIDR         also allow externalIPs in CIDR (repeatable; added to the config's list)
  --rule ID=SEVERITY        set a rule's severity: error, warning, information, hint or off
                            (repeatable; wins over the config file)
  --exclude GLOB            skip matching files and folders (repeatable; relative to the current
                            folder; a pattern without / matches a name at any depth)
  --max-file-size-kb N      skip files larger than N kilobytes in the folders searched (default:
                            config or 2048)
  --max-input-mb N          refuse standard input and files named on the command line above N
                            megabytes (default: 256)
  --status-writer NAME      also trust NAME to write Service status: a user, a group or
                            system:serviceaccount:NAMESPACE:NAME (repeatable; added to the config's
                            statusWriters)
  --fail-on LEVEL           exit 1 when a finding is at least this severe: error, warning (default),
                            information, hint, or never
  --format FORMAT           text (default), json, sarif, or gitlab (a GitLab code quality report)
  --fix                     apply the safe fixes (the editor's "fix all") to the files, in place
  --fix-dry-run             print the fixes as a unified diff instead of applying them
  --color, --no-color       force or turn off colour (default: colour on a terminal unless NO_COLOR is set)
  -h, --help                show this help

Text output: file:line:col severity rule message, with 1-based line and column; the column counts
UTF-16 code units, as editors do. JSON, SARIF and GitLab output: see docs/cli.md.

Exit codes: 0 no finding at or above --fail-on; 1 such findings; 2 usage or configuration error, or
every file named on the command line (or standard input) was refused and nothing was checked.
Unreadable, oversized or unparsable files are reported on standard error; other files are still checked.
`;

const CHECK_OPTIONS = {
  config: { value: true },
  'allow-cidr': { value: true, repeatable: true },
  rule: { value: true, repeatable: true },
  exclude: { value: true, repeatable: true },
  'max-file-size-kb': { value: true },
  'max-input-mb': { value: true },
  'status-writer': { value: true, repeatable: true },
  'fail-on': { value: true },
  format: { value: true },
  fix: {},
  'fix-dry-run': {},
  color: {},
  'no-color': {},
  help: { short: 'h' },
} as const;

/**
 * Standard input and files named on the command line have a cap of their own: a cluster export piped in
 * is far larger than any manifest in a repository (maxFileSizeKB), and refusing it would check nothing.
 */
const DEFAULT_MAX_INPUT_MB = 256;
const MAX_INPUT_OPTION = 'max-input-mb';

const FORMATS = ['text', 'json', 'sarif', 'gitlab'] as const;
type Format = (typeof FORMATS)[number];
type ReportFormat = Exclude<Format, 'text'>;

/** The machine-readable formats print the whole report at once, after any --fix messages (on stderr). */
function formatReport(format: ReportFormat, report: RunReport, toolVersion: string, cwd: string): string {
  switch (format) {
    case 'json':
      return formatJson(report, toolVersion);
    case 'sarif':
      return formatSarif(report, toolVersion, cwd);
    case 'gitlab':
      return formatGitlab(report);
  }
}

interface Candidate {
  /** Absolute path, or undefined for standard input. */
  absolutePath?: string;
  settings: PathSettings;
  /** The cluster it is linked in. */
  cluster: string;
}

export async function runCheck(argv: readonly string[], output: Output, toolVersion: string): Promise<number> {
  const args = parseArgs(argv, CHECK_OPTIONS, 'check');
  if (args.flags.has('help')) {
    output.stdout(CHECK_HELP);
    return 0;
  }
  const format: Format = oneOf(single(args, 'format'), FORMATS, 'format') ?? 'text';
  const failOn: FailOn = oneOf(single(args, 'fail-on'), FAIL_ON_VALUES, 'fail-on') ?? DEFAULT_FAIL_ON;
  const fix = args.flags.has('fix');
  const dryRun = args.flags.has('fix-dry-run');
  if (fix && dryRun) throw new UsageError('--fix and --fix-dry-run cannot be used together');
  if (args.flags.has('color') && args.flags.has('no-color')) throw new UsageError('--color and --no-color cannot be used together');
  if (dryRun && format !== 'text') throw new UsageError(`--fix-dry-run prints a diff; it cannot be combined with --format ${format}`);
  const color = args.flags.has('color') ? true : args.flags.has('no-color') ? false : colorEnabled(output.stdoutIsTTY, process.env);
  const flags = parseFlagSettings(all(args, 'allow-cidr'), all(args, 'rule'), all(args, 'exclude'), single(args, 'max-file-size-kb'), all(args, 'status-writer'));
  const maxInputOption = single(args, MAX_INPUT_OPTION);
  const maxInputBytes = (maxInputOption === undefined ? DEFAULT_MAX_INPUT_MB : positiveWholeNumber(maxInputOption, MAX_INPUT_OPTION, 'megabytes')) * 1024 * 1024;
  const paths = args.positionals.length > 0 ? args.positionals : ['.'];
  if (paths.filter((candidate) => candidate === '-').length > 1) throw new UsageError('- (standard input) can be given only once');
  if (fix && paths.includes('-')) {
    throw new UsageError('--fix cannot rewrite standard input; use --fix-dry-run to see the fixes as a diff');
  }
  const cwd = process.cwd();
  const resolver = new ConfigResolver(flags, single(args, 'config'), (line) => output.stderr(`${line}\n`));
  // Paths must exist; a typo must not turn into a green check.
  const roots: { argument: string; absolutePath?: string; isDirectory: boolean }[] = [];
  for (const argument of paths) {
    if (argument === '-') {
      roots.push({ argument, isDirectory: false });
      continue;
    }
    const absolutePath = path.resolve(cwd, argument);
    try {
      const stat = await fs.stat(absolutePath);
      roots.push({ argument, absolutePath, isDirectory: stat.isDirectory() });
    } catch (error) {
      throw new UsageError(`${argument}: no such file or folder (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  const report: RunReport = { files: [], filesChecked: 0, skipped: [] };
  const notices: string[] = [];
  const progress = new Progress(output);
  const seen = new Set<string>();
  const fixMessages: string[] = [];
  const diffs: string[] = [];
  /** Standard input and files named on the command line that could not be checked. */
  const refusedInputs: string[] = [];
  try {
    for (const root of roots) {
      if (root.absolutePath === undefined) {
        const settings = await resolver.forDirectory(cwd);
        await noteRefusal('<stdin>', () => checkStdin({ settings, cluster: DEFAULT_CLUSTER }));
        continue;
      }
      const scanRoot = root.isDirectory ? root.absolutePath : path.dirname(root.absolutePath);
      const settings = await resolver.forDirectory(scanRoot);
      const isExcluded = excluder(scanRoot, settings.effective);
      const candidate = (absolutePath: string) => ({ absolutePath, settings, cluster: clusterOf(absolutePath, scanRoot, settings) });
      if (!root.isDirectory) {
        if (path.basename(root.absolutePath) === CONFIG_FILE_NAME) {
          notices.push(`note: ${root.argument} is the policy file, not a manifest; it was not checked`);
        } else if (isExcluded(root.absolutePath)) {
          notices.push(`note: ${root.argument} matches an exclude pattern; it was not checked`);
        } else {
          const named = candidate(root.absolutePath);
          await noteRefusal(root.argument, () => checkFile(named, true));
        }
        continue;
      }
      const pruneGlobs = settings.effective.exclude.flatMap((group) => group.globs).filter((glob) => !glob.replace(/^\/+|\/+$/g, '').includes('/'));
      const files = discoverFiles(root.absolutePath, {
        exclude: pruneGlobs,
        onSkip: (skippedPath, reason) => report.skipped.push({ displayPath: displayPath(skippedPath, cwd), reason }),
      });
      for await (const file of files) {
        if (path.basename(file) === CONFIG_FILE_NAME || isExcluded(file)) continue;
        await checkFile(candidate(file));
      }
    }
  } finally {
    progress.done();
  }

  linkFiles(report);
  for (const file of report.files) file.findings.sort(compareFindings);
  for (const notice of notices) output.stderr(`${notice}\n`);
  for (const skipped of report.skipped) output.stderr(`warning: ${skipped.displayPath}: not checked: ${skipped.reason}\n`);
  // A gate that checked nothing must not pass: every input the user named was refused.
  if (refusedInputs.length > 0 && report.filesChecked === 0) {
    if (format !== 'text' && !dryRun) output.stdout(formatReport(format, report, toolVersion, cwd));
    output.stderr(`kube-mitm-guard: nothing was checked: ${refusedInputs.join(', ')} could not be checked (see the warning${report.skipped.length === 1 ? '' : 's'} above)\n`);
    return 2;
  }
  if (dryRun) {
    output.stdout(diffs.join(''));
    const remaining = report.files.reduce((sum, file) => sum + file.findings.length, 0);
    output.stderr(`${fixMessages.length === 0 ? 'No fixes to apply' : fixMessages.join('\n')}; ${remaining} problem${remaining === 1 ? '' : 's'} would remain.\n`);
  } else {
    const fixLines = fixMessages.map((line) => `${line}\n`).join('');
    if (format === 'text') {
      output.stdout(fixLines + formatText(report, color));
    } else {
      output.stderr(fixLines);
      output.stdout(formatReport(format, report, toolVersion, cwd));
    }
  }
  return exitCodeFor(
    report.files.flatMap((file) => file.findings.map((finding) => finding.severity)),
    failOn,
  );

  /** Runs the check of a named input and remembers it when it was refused. */
  async function noteRefusal(shown: string, check: () => Promise<void>): Promise<void> {
    const skippedBefore = report.skipped.length;
    await check();
    if (report.skipped.length > skippedBefore) refusedInputs.push(shown);
  }

  async function checkStdin(candidate: Candidate): Promise<void> {
    const shown = '<stdin>';
    const bytes = await readStdin(maxInputBytes);
    if (bytes === 'too-large') {
      report.skipped.push({ displayPath: shown, reason: `input is over the size limit of ${formatSize(maxInputBytes)} (--${MAX_INPUT_OPTION})` });
      return;
    }
    const decoded = decodeManifestBytes(bytes);
    if ('skipped' in decoded) {
      report.skipped.push({ displayPath: shown, reason: decoded.skipped });
      return;
    }
    analyse(candidate, shown, await applyFixes(candidate, shown, decoded));
  }

  /** `named`: the file was named on the command line, so its limit is --max-input-mb, not maxFileSizeKB. */
  async function checkFile(candidate: Candidate & { absolutePath: string }, named = false): Promise<void> {
    const { absolutePath, settings } = candidate;
    if (seen.has(absolutePath)) return;
    seen.add(absolutePath);
    const shown = displayPath(absolutePath, cwd);
    progress.update(report.filesChecked + report.skipped.length + 1, shown);
    // Blocking: the command line has nothing else to do meanwhile, and a blocking read is far cheaper.
    const read = named
      ? readManifestFileSync(absolutePath, maxInputBytes, `--${MAX_INPUT_OPTION}`)
      : readManifestFileSync(absolutePath, settings.effective.maxFileSizeKB * 1024);
    if ('skipped' in read) {
      report.skipped.push({ displayPath: shown, reason: read.skipped });
      return;
    }
    analyse(candidate, shown, await applyFixes(candidate, shown, read));
  }

  /** --fix / --fix-dry-run: the text to report on (the fixed text when the fixes were applied or previewed). */
  async function applyFixes(candidate: Candidate, shown: string, read: ManifestText): Promise<string> {
    const original = read.text;
    if (!fix && !dryRun) return original;
    if (read.lossy) {
      // The text is not the file's bytes: a fixed text written back (or shown as the file's diff)
      // would also change every invalid byte, or the file's encoding. The findings are still reported.
      notices.push(
        `warning: ${shown}: ${dryRun ? 'no fixes shown' : 'not fixed'}: the file was read ${LOSSY_READS[read.lossy]} (as kubectl reads it), so a fixed text would not keep its bytes; fix it by hand`,
      );
      return original;
    }
    let fixed: ReturnType<typeof fixAll>;
    try {
      fixed = fixAll(original, candidate.settings.effective.engine);
    } catch (error) {
      notices.push(`warning: ${shown}: the fixes could not be computed: ${error instanceof Error ? error.message : String(error)}`);
      return original;
    }
    if (fixed.fixedCount === 0 || fixed.text === original) return original;
    const count = `${fixed.fixedCount} problem${fixed.fixedCount === 1 ? '' : 's'}`;
    if (dryRun || candidate.absolutePath === undefined) {
      const label = portable(shown);
      diffs.push(unifiedDiff(`a/${label}`, `b/${label}`, original, fixed.text));
      fixMessages.push(`Would fix ${count} in ${shown}`);
      return fixed.text;
    }
    try {
      const outcome = await replaceFileAtomically(candidate.absolutePath, original, fixed.text);
      if (outcome.written) {
        fixMessages.push(`Fixed ${count} in ${shown}`);
        return fixed.text;
      }
      notices.push(`warning: ${shown}: not fixed: ${outcome.reason}`);
    } catch (error) {
      notices.push(`warning: ${shown}: not fixed: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return original;
  }

  function analyse(candidate: Candidate, shown: string, text: string): void {
    const options = candidate.settings.effective.engine;
    let findings: Finding[];
    let facts: FileFacts | undefined;
    let unparsable = 0;
    // JSON lists each finding's fixes: they start from the List item or document chunk that holds it, not the whole text.
    const analysed = format === 'json' ? new AnalysisCache() : undefined;
    try {
      const result = analyzeText(text, options, analysed, fileContextOf(candidate.absolutePath, text));
      findings = result.findings;
      facts = result.facts;
      unparsable = result.unparsableDocuments;
    } catch (error) {
      report.skipped.push({ displayPath: shown, reason: `could not be analysed: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    report.filesChecked++;
    if (unparsable > 0) {
      notices.push(
        `warning: ${shown}: ${unparsable} YAML document${unparsable === 1 ? '' : 's'} could not be parsed and ${unparsable === 1 ? 'was' : 'were'} not checked`,
      );
    }
    const file: FileReport = { absolutePath: candidate.absolutePath, displayPath: shown, text, findings, facts, options, cluster: candidate.cluster };
    if (format === 'json' && findings.length > 0) {
      file.fixes = new Map();
      for (const finding of findings) {
        const available: FixSummary[] = fixesForFinding(text, options, finding.key, analysed).map((fixItem) => ({
          kind: fixItem.kind,
          title: fixItem.title,
          fixAll: fixItem.fixAll,
        }));
        file.fixes.set(finding.key, available);
      }
    }
    report.files.push(file);
  }
}

/**
 * Everything one run is given is one cluster (roles, bindings and Services are linked across all of it),
 * except the files a config file's `clusters` puts in a named cluster.
 */
function linkFiles(report: RunReport): void {
  const index = new WorkspaceIndex();
  for (const file of report.files) index.set(fileId(file), file.facts, file.options, file.cluster);
  const links = index.link();
  for (const file of report.files) file.findings = applyLink(file.findings, links.get(fileId(file)));
}

function portable(shown: string): string {
  return shown.split(path.sep).join('/');
}

/**
 * Exclude patterns, like the editor's: --exclude globs are relative to the current folder, the config
 * file's globs to the config file's folder; a path outside that base is matched relative to the
 * scanned path instead. (node_modules, .git and vendor below a scanned folder are skipped by
 * discoverFiles; a file named explicitly is checked even there.)
 */
function excluder(scanRoot: string, settings: EffectiveSettings): (file: string) => boolean {
  const groups = settings.exclude.map((group) => ({ base: group.base ?? scanRoot, matches: createGlobMatcher(group.globs) }));
  return (file) => groups.some(({ base, matches }) => matches(globPath(file, base, scanRoot)));
}

/** The cluster of everything a run is given that no `clusters` entry takes in. */
const DEFAULT_CLUSTER = '';

/**
 * A file's cluster: the named cluster of its config file's `clusters` that takes it in (globs relative to
 * the config file's folder, like its `exclude`), else the run's default cluster.
 */
function clusterOf(file: string, scanRoot: string, settings: PathSettings): string {
  const { base, definitions } = settings.effective.clusters;
  const name = clusterNameOf(definitions, globPath(file, base ?? scanRoot, scanRoot));
  return name === undefined ? DEFAULT_CLUSTER : clusterKey(settings.configFile ?? '', name);
}

/** A path relative to a glob's base; a path outside that base is taken relative to the scanned path instead. */
function globPath(file: string, base: string, scanRoot: string): string {
  const relative = path.relative(base, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.relative(scanRoot, file) : relative;
}

/** Standard input up to `maxBytes`; it stops reading (and holds no more) as soon as the input is larger. */
async function readStdin(maxBytes: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    total += buffer.length;
    if (total > maxBytes) return 'too-large';
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

// Entry point of dist/cli.js, the package's `kube-mitm-guard` command.
import { UsageError } from './args';
import { runAuditLog } from './auditLog';
import { runAuditPolicy } from './auditPolicy';
import { runCheck } from './check';
import { runLsp } from './lsp';
import { raiseOptimizationBudget } from '../lsp/optimizationBudget';
import { processOutput } from './output';
import { runPolicy } from './policy';
import { toolVersion } from './version';

const HELP = `Usage: kube-mitm-guard <command> [options]

Finds the CVE-2020-8554 man-in-the-middle risk in Kubernetes manifests: Service externalIPs outside
the allowed CIDRs, invalid or ambiguous externalIPs, LoadBalancer status in manifests, and RBAC that
lets its holder write services/status, or endpoints and endpointslices (CVE-2021-25740).

Commands:
  check [paths...]   lint files and folders (default: the current folder); see check --help
  policy             print a ValidatingAdmissionPolicy (or Gatekeeper constraint) enforcing the allowlist
  audit-log [files]  find CVE-2020-8554 activity in kube-apiserver audit logs; see audit-log --help
  audit-policy       print the audit Policy rules audit-log needs (--merge FILE: into your policy)
  lsp --stdio        run the language server for any LSP client

Options:
  -h, --help         show this help (or a command's help: kube-mitm-guard check --help)
  --version          print the version
`;

async function main(argv: string[]): Promise<number | 'running'> {
  const output = processOutput();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        output.stdout(HELP);
        return command === undefined ? 2 : 0;
      case '--version':
      case '-V':
        output.stdout(`${toolVersion()}\n`);
        return 0;
      case 'check':
        return await runCheck(rest, output, toolVersion());
      case 'policy':
        return await runPolicy(rest, output, toolVersion());
      case 'audit-log':
        return await runAuditLog(rest, output, toolVersion());
      case 'audit-policy':
        return await runAuditPolicy(rest, output, toolVersion());
      case 'lsp':
        return await runLsp(rest, output.stdout);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: check, policy, audit-log, audit-policy, lsp; see kube-mitm-guard --help)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      output.stderr(`kube-mitm-guard: ${error.message}\n`);
      return 2;
    }
    output.stderr(`kube-mitm-guard: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

// A reader that closed the pipe early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// A check is a one-off burst like a workspace scan (see optimizationBudget.ts); `lsp` runs the same server.
raiseOptimizationBudget();
void main(process.argv.slice(2)).then((code) => {
  // Set the exit code rather than exit(): pending stdout writes still flush.
  if (code !== 'running') process.exitCode = code;
});

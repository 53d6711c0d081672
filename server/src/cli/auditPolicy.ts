// `kube-mitm-guard audit-policy [--merge FILE]`: the audit Policy rules audit-log needs, alone or put in
// front of an existing policy (printed; the file is not changed).
import * as fs from 'node:fs';
import { auditPolicyText, MAX_CONFIG_BYTES, mergeAuditPolicy } from '../engine';
import { parseArgs, single, UsageError } from './args';
import { Output } from './output';

export const AUDIT_POLICY_HELP = `Usage: kube-mitm-guard audit-policy [--merge FILE]

Prints an audit.k8s.io/v1 Policy that records what kube-mitm-guard audit-log needs at the lowest volume:
services and services/status writes (patches with their response), RBAC writes with the resulting
object, role deletions, and no RequestReceived stage. Every other request matches none of its rules.

Options:
  --merge FILE   print FILE's policy with these rules inserted at the front of its rules (audit policy
                 rules are first-match); its own rules keep their order and comments. FILE is not changed.
  -h, --help     show this help

Exit codes: 0 printed; 2 usage error, or FILE is not an audit Policy.
`;

const AUDIT_POLICY_OPTIONS = { merge: { value: true }, help: { short: 'h' } } as const;

export async function runAuditPolicy(argv: readonly string[], output: Output, toolVersion: string): Promise<number> {
  const args = parseArgs(argv, AUDIT_POLICY_OPTIONS, 'audit-policy');
  if (args.flags.has('help')) {
    output.stdout(AUDIT_POLICY_HELP);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`audit-policy takes no paths (got ${JSON.stringify(args.positionals[0])}); use --merge FILE`);
  const mergeFile = single(args, 'merge');
  if (mergeFile === undefined) {
    output.stdout(auditPolicyText(toolVersion));
    return 0;
  }
  let text: string;
  try {
    if (fs.statSync(mergeFile).size > MAX_CONFIG_BYTES) throw new UsageError(`${mergeFile}: too large for an audit policy`);
    text = fs.readFileSync(mergeFile, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${mergeFile}: cannot read the --merge file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const merged = mergeAuditPolicy(text);
  if ('error' in merged) throw new UsageError(`${mergeFile}: ${merged.error}`);
  if (merged.alreadyMerged) output.stderr(`note: ${mergeFile} already starts with these rules; printed unchanged\n`);
  output.stdout(merged.text);
  return 0;
}

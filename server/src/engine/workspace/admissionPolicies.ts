// `mitigation-not-enforced` from the link phase: a ValidatingAdmissionPolicy about Service externalIPs
// validates nothing until a ValidatingAdmissionPolicyBinding names it in `spec.policyName`, and rejects
// nothing unless one such binding has `Deny` among its `validationActions` (`Warn` and `Audit` only warn
// and annotate the audit log). Policies and bindings are cluster-scoped, and are often in different files.
import { RelatedLocation } from '../types';
import { AdmissionBindingFact, FileFacts, Place } from './facts';

/** How a finding is reported: the Linker adds it as a finding of the policy's file. */
export type AdmissionPolicyReport = (place: Place, documentIndex: number, text: { message: string; related: RelatedLocation[] }) => void;

const POLICY_KEY = 'ValidatingAdmissionPolicy/';
const MAX_RELATED = 20;

/** The policies a file's facts define or bind, as `ValidatingAdmissionPolicy/<name>`: what its dependents are found from. */
export function admissionPolicyKeysOf(facts: FileFacts | undefined): string[] {
  if (!facts || (facts.admissionPolicies.length === 0 && facts.admissionBindings.length === 0)) return [];
  return [...facts.admissionPolicies.map((policy) => POLICY_KEY + policy.name), ...facts.admissionBindings.map((binding) => POLICY_KEY + binding.policyName)];
}

/** The admission policies and bindings of one cluster, by policy name. */
export class AdmissionPolicies {
  private readonly bindingsByPolicy = new Map<string, { file: string; fact: AdmissionBindingFact }[]>();
  private readonly filesByKey = new Map<string, Set<string>>();

  constructor(inputs: readonly { file: string; facts: FileFacts }[]) {
    for (const { file, facts } of inputs) {
      for (const binding of facts.admissionBindings) {
        const bindings = this.bindingsByPolicy.get(binding.policyName) ?? [];
        bindings.push({ file, fact: binding });
        this.bindingsByPolicy.set(binding.policyName, bindings);
      }
      for (const key of admissionPolicyKeysOf(facts)) {
        const files = this.filesByKey.get(key) ?? new Set<string>();
        files.add(file);
        this.filesByKey.set(key, files);
      }
    }
  }

  /** The files that define or bind a policy among `keys` (see `admissionPolicyKeysOf`); other keys are ignored. */
  dependentFiles(keys: Iterable<string>): Set<string> {
    const files = new Set<string>();
    for (const key of keys) for (const file of this.filesByKey.get(key) ?? []) files.add(file);
    return files;
  }

  /** Reports each policy of `facts` that no binding of the cluster puts to work with Deny. */
  report(facts: FileFacts, report: AdmissionPolicyReport): void {
    for (const policy of facts.admissionPolicies) {
      const bindings = this.bindingsByPolicy.get(policy.name) ?? [];
      const subject = `ValidatingAdmissionPolicy ${policy.name} is about Service externalIPs, but`;
      if (bindings.length === 0) {
        report(policy.place, policy.documentIndex, {
          message:
            `${subject} no ValidatingAdmissionPolicyBinding in the workspace binds it (spec.policyName: ${policy.name}): a policy without a binding ` +
            'validates nothing, so Services can still take any externalIP (CVE-2020-8554). Add a binding with validationActions: [Deny] (kube-mitm-guard policy writes one).',
          related: [],
        });
        continue;
      }
      if (bindings.some(({ fact }) => fact.actions.includes('Deny'))) continue;
      const actions = [...new Set(bindings.flatMap(({ fact }) => fact.actions))];
      report(policy.place, policy.documentIndex, {
        message:
          `${subject} its bindings' validationActions (${actions.length > 0 ? actions.join(', ') : 'none'}) lack Deny: violations are at most warned about or ` +
          'written to the audit log, never rejected, so Services can still take any externalIP (CVE-2020-8554). Add Deny to validationActions.',
        related: bindings.slice(0, MAX_RELATED).map(({ file, fact }) => ({
          file,
          range: fact.place.range,
          message: `binds it with validationActions ${fact.actions.length > 0 ? fact.actions.join(', ') : '(none)'}: ValidatingAdmissionPolicyBinding ${fact.name}`,
        })),
      });
    }
  }
}

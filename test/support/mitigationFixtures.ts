// Admission objects the mitigation tests share (engine, CLI and language server).
import { yaml } from './engine';

/** A ValidatingAdmissionPolicy about Service externalIPs that matches CREATE and UPDATE on services. */
export const EXTERNAL_IPS_POLICY = yaml(
  'apiVersion: admissionregistration.k8s.io/v1',
  'kind: ValidatingAdmissionPolicy',
  'metadata:',
  '  name: external-ips',
  'spec:',
  '  matchConstraints:',
  '    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [services]}]',
  '  validations: [{expression: "!has(object.spec.externalIPs)"}]',
);

/** A ValidatingAdmissionPolicyBinding of `policyName` with `actions` (a flow list's items). */
export function admissionBinding(actions: string, name = 'external-ips', policyName = 'external-ips'): string {
  return yaml('apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingAdmissionPolicyBinding', 'metadata:', `  name: ${name}`, 'spec:', `  policyName: ${policyName}`, `  validationActions: [${actions}]`);
}

// `mitigation-not-enforced` for Kyverno ClusterPolicy/Policy (kyverno.io, any version): a rule that
// validates Service externalIPs blocks nothing unless its failure action is Enforce. Kyverno takes the
// rule's validate.failureAction when set, else the policy's spec.validationFailureAction, else Audit (its
// default); only `Enforce` and the deprecated `enforce` block (ValidationFailureAction.Enforce()).
// Namespace overrides (the rule's validate.failureActionOverrides when set, else the policy's
// validationFailureActionOverrides) that switch to Audit leave those namespaces unprotected.
// Kyverno's CEL ValidatingPolicy (policies.kyverno.io, the successor of ClusterPolicy) about externalIPs
// blocks unless its validationActions (Deny when empty) lack Deny, admission evaluation is turned off, or
// its matchConstraints leave out CREATE or UPDATE of services.
import { Document, isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { ManifestObject } from '../manifests';
import { isObjectOfGroup, mentionsExternalIps } from '../mitigationObjects';
import { childMaps, listItems, Located, mapValues, scalarString, scalarValues, sequenceItems, stringListValues } from '../yamlModel';
import { missingOperationFindings } from './mitigationAdmissionPolicy';
import { describeObject, keyPlace, reportOnly, settingFinding, shown } from './mitigationFindings';
import { RuleContext, RuleFinding } from './ruleTypes';

const ENFORCE = 'Enforce';
const AUDIT_ONLY = 'violations are reported, never blocked, so Services can still take any externalIP (CVE-2020-8554; kyverno/policies#1192)';

function enforces(value: Located): boolean {
  const text = scalarString(value.node);
  return text === 'Enforce' || text === 'enforce';
}

export function checkKyvernoPolicy(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOfGroup(object, 'kyverno.io', ['ClusterPolicy', 'Policy'])) return [];
  const { document } = context;
  const policy = describeObject(document, object, object.kinds.includes('ClusterPolicy') ? 'ClusterPolicy' : 'Policy');
  const findings: RuleFinding[] = [];
  for (const spec of childMaps(document, object.map, 'spec')) {
    const specActions = mapValues(document, spec, 'validationFailureAction');
    const specOverrides = mapValues(document, spec, 'validationFailureActionOverrides');
    /** Rules that take the policy's action. */
    const inheriting: string[] = [];
    for (const rule of listItems(document, spec, 'rules')) {
      if (!isMap(rule.node)) continue;
      const ruleMap = rule as Located<YAMLMap>;
      const name = `rule ${scalarValues(document, ruleMap, 'name')[0] ?? '(unnamed)'}`;
      for (const validate of childMaps(document, ruleMap, 'validate')) {
        if (!mentionsExternalIps(document, validate.node)) continue;
        const ruleActions = mapValues(document, validate, 'failureAction');
        for (const action of ruleActions) {
          if (enforces(action)) continue;
          findings.push(settingFinding(validate, action, ENFORCE, `${policy}, ${name}, validates Service externalIPs with failureAction ${shown(action.node)}: ${AUDIT_ONLY}. Set it to Enforce.`));
        }
        if (ruleActions.length === 0 && specActions.length > 0) inheriting.push(name);
        if (ruleActions.length === 0 && specActions.length === 0) {
          findings.push(
            reportOnly(
              'mitigation-not-enforced',
              keyPlace(validate),
              `${policy}, ${name}, validates Service externalIPs, but neither the rule (validate.failureAction) nor the policy ` +
                `(spec.validationFailureAction) sets an action, and Kyverno's default is Audit: ${AUDIT_ONLY}. Set validationFailureAction: Enforce.`,
            ),
          );
        }
        const enforced = ruleActions.length > 0 ? ruleActions.every(enforces) : specActions.length > 0 && specActions.every(enforces);
        const ruleOverrides = mapValues(document, validate, 'failureActionOverrides');
        if (enforced) findings.push(...auditOverrides(document, ruleOverrides.length > 0 ? ruleOverrides : specOverrides, `${policy}, ${name}`));
      }
    }
    if (inheriting.length === 0) continue;
    for (const action of specActions) {
      if (enforces(action)) continue;
      findings.push(
        settingFinding(spec, action, ENFORCE, `${policy} validates Service externalIPs (${inheriting.join(', ')}) with validationFailureAction ${shown(action.node)}: ${AUDIT_ONLY}. Set it to Enforce.`),
      );
    }
  }
  return findings;
}

export function checkKyvernoValidatingPolicy(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOfGroup(object, 'policies.kyverno.io', ['ValidatingPolicy', 'NamespacedValidatingPolicy'])) return [];
  const { document } = context;
  const policy = describeObject(document, object, object.kinds.includes('ValidatingPolicy') ? 'ValidatingPolicy' : 'NamespacedValidatingPolicy');
  const findings: RuleFinding[] = [];
  for (const spec of childMaps(document, object.map, 'spec')) {
    if (!mentionsExternalIps(document, spec.node)) continue;
    for (const actions of mapValues(document, spec, 'validationActions')) {
      if (!isSeq(actions.node)) continue;
      const listed = sequenceItems(document, actions as Located<YAMLSeq>).flatMap((item) => scalarString(item.node) ?? []);
      if (listed.length === 0 || listed.includes('Deny')) continue;
      findings.push(reportOnly('mitigation-not-enforced', keyPlace(actions), `${policy} is about Service externalIPs, but its validationActions (${listed.join(', ')}) lack Deny: ${AUDIT_ONLY}. Add Deny.`));
    }
    for (const evaluation of childMaps(document, spec, 'evaluation')) {
      for (const admission of childMaps(document, evaluation, 'admission')) {
        for (const enabled of mapValues(document, admission, 'enabled')) {
          if (scalarString(enabled.node) !== 'false') continue;
          findings.push(reportOnly('mitigation-not-enforced', enabled, `${policy} is about Service externalIPs, but evaluation.admission.enabled is false: it only scans in the background and admits every Service (CVE-2020-8554).`));
        }
      }
    }
    findings.push(...missingOperationFindings(document, spec, policy, (missing) => ` (CVE-2020-8554). Add ${missing.join(' and ')} to its operations.`));
  }
  return findings;
}

/** The override entries whose action is not Enforce: in their namespaces the rule only audits. */
function auditOverrides(document: Document, lists: readonly Located[], subject: string): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const list of lists) {
    if (!isSeq(list.node)) continue;
    for (const entry of sequenceItems(document, list as Located<YAMLSeq>)) {
      if (!isMap(entry.node)) continue;
      const override = entry as Located<YAMLMap>;
      for (const action of mapValues(document, override, 'action')) {
        if (enforces(action)) continue;
        const namespaces = stringListValues(document, override, 'namespaces');
        const where = namespaces.length > 0 ? `namespaces ${namespaces.slice(0, 5).join(', ')}${namespaces.length > 5 ? ' and more' : ''}` : 'the namespaces it selects';
        findings.push(
          reportOnly('mitigation-not-enforced', action, `${subject} is enforced, but this override switches it to ${shown(action.node)} in ${where}: there ${AUDIT_ONLY}.`),
        );
      }
    }
  }
  return findings;
}

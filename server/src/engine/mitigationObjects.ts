// Recognises the CVE-2020-8554 mitigations among manifest objects (Kyverno policies, Gatekeeper
// constraints, admission policies and their bindings, validating webhooks, the externalip-webhook's
// containers), for the mitigation rules and for the link phase's facts, which must agree on them.
import { Document, isMap, isScalar, isSeq, Scalar } from 'yaml';
import { ParsedCidr, cidrWithin } from './ipAddresses';
import { ManifestObject } from './manifests';
import { keyString, resolveNode, scalarString, ValueNode } from './yamlModel';

export const EXTERNAL_IPS_WORD = 'externalIPs';
export const ADMISSION_POLICY_KIND = 'ValidatingAdmissionPolicy';
export const ADMISSION_POLICY_BINDING_KIND = 'ValidatingAdmissionPolicyBinding';

/** An object of an API group (any version): `kyverno.io/v1` and `kyverno.io/v2beta1` are both Kyverno's. */
export function isObjectOfGroup(object: ManifestObject, group: string, kinds: readonly string[]): boolean {
  return object.apiVersions.some((apiVersion) => apiVersion.startsWith(`${group}/`)) && object.kinds.some((kind) => kinds.includes(kind));
}

/** An admissionregistration.k8s.io object (v1, v1beta1, v1alpha1) of one of `kinds`. */
export function isAdmissionObject(object: ManifestObject, kinds: readonly string[]): boolean {
  return isObjectOfGroup(object, 'admissionregistration.k8s.io', kinds);
}

// Policies are small; the cap only bounds the walk over a pathological document.
const MAX_NODES_WALKED = 100_000;

/**
 * Whether a key or a string anywhere under `node` mentions Service externalIPs (a Kyverno pattern key
 * `X(externalIPs)`, a CEL expression `object.spec.externalIPs`, a JMESPath `request.object.spec.externalIPs`),
 * `message` texts aside (what a policy says is not what it checks). Aliases are followed, each node once.
 */
export function mentionsExternalIps(document: Document, node: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [node];
  while (pending.length > 0 && seen.size < MAX_NODES_WALKED) {
    const current = resolveNode(document, pending.pop());
    if (current === undefined || seen.has(current)) continue;
    seen.add(current);
    if (isScalar(current)) {
      if (scalarString(current)?.includes(EXTERNAL_IPS_WORD)) return true;
    } else if (isMap(current)) {
      for (const pair of current.items) {
        const key = keyString(document, pair);
        if (key?.includes(EXTERNAL_IPS_WORD)) return true;
        if (key !== 'message') pending.push(pair.value);
      }
    } else if (isSeq(current)) {
      for (const item of current.items) pending.push(item);
    }
  }
  return false;
}

/** Whether the project's allowlist (allowedExternalIPCidrs) allows every address of `cidr`. */
export function allowedByProject(cidr: ParsedCidr, allowed: readonly ParsedCidr[]): boolean {
  return allowed.some((outer) => cidrWithin(cidr, outer));
}

/**
 * Where `[from, to)` of a scalar's decoded value is written, when the value is written as it decodes
 * (plain, or quoted without escapes); else the whole scalar, so a finding is never misplaced.
 */
export function substringSpan(text: string, node: ValueNode, from: number, to: number): { start: number; end: number } {
  const [start, end] = node.range ?? [0, 0];
  const value = scalarString(node);
  if (isScalar(node) && value !== undefined) {
    const scalar = node as Scalar;
    const quote = scalar.type === 'QUOTE_DOUBLE' ? '"' : scalar.type === 'QUOTE_SINGLE' ? "'" : '';
    const written = text.slice(start, end).trimEnd();
    const plainOrQuoted = scalar.type === 'PLAIN' || quote !== '';
    if (plainOrQuoted && written === `${quote}${value}${quote}`) {
      return { start: start + quote.length + from, end: start + quote.length + to };
    }
  }
  return { start, end };
}

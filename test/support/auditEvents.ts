// Builds audit.k8s.io/v1 Events as kube-apiserver writes them (k8s.io/apiserver/pkg/apis/audit/v1 Event,
// encoded by Go's encoding/json): fields in the struct's order, empty optional fields left out, stages as
// the audit filter emits them. RequestReceived is written before the body is decoded and before
// authorization (no body, no annotations, no responseStatus); the body is logged from level Request on,
// the response from RequestResponse, and only at ResponseComplete. A request refused by authorization
// never has its body read. Objects are built key by key, so JSON.stringify keeps that order.

export type Level = 'Metadata' | 'Request' | 'RequestResponse';
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export interface RequestSpec {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** '' for the core group. */
  apiGroup?: string;
  username?: string;
  groups?: string[];
  impersonate?: { username: string; groups: string[] };
  sourceIP?: string;
  userAgent?: string;
  level?: Level;
  /** The response code (default 201 for create, 200 otherwise). */
  code?: number;
  /** Refused by authorization: 403, no body read. */
  forbidden?: boolean;
  requestObject?: unknown;
  responseObject?: unknown;
  dryRun?: boolean;
  stages?: Stage[];
  auditID?: string;
}

let counter = 0;

export function nextAuditID(): string {
  counter++;
  return `6a1e6d9c-0f3b-4c5e-9a51-${counter.toString(16).padStart(12, '0')}`;
}

function requestURI(spec: RequestSpec): string {
  const group = spec.apiGroup ?? '';
  const base = group === '' ? '/api/v1' : `/apis/${group}/v1`;
  const namespace = spec.namespace ? `/namespaces/${spec.namespace}` : '';
  const name = spec.verb === 'create' ? '' : spec.name ? `/${spec.name}` : '';
  const subresource = spec.subresource ? `/${spec.subresource}` : '';
  const query = spec.dryRun ? '?dryRun=All&fieldManager=kubectl-client-side-apply' : spec.verb === 'patch' ? '?fieldManager=kubectl-edit' : '';
  return `${base}${namespace}/${spec.resource}${name}${subresource}${query}`;
}

/** The events one request writes, one per stage (default: ResponseComplete only, as with omitStages: [RequestReceived]). */
export function auditEvents(spec: RequestSpec): Record<string, unknown>[] {
  const auditID = spec.auditID ?? nextAuditID();
  const stages = spec.stages ?? ['ResponseComplete'];
  const level = spec.level ?? 'RequestResponse';
  const code = spec.forbidden ? 403 : (spec.code ?? (spec.verb === 'create' ? 201 : 200));
  const username = spec.username ?? 'alice';
  return stages.map((stage) => {
    const event: Record<string, unknown> = {};
    event.kind = 'Event';
    event.apiVersion = 'audit.k8s.io/v1';
    event.level = level;
    event.auditID = auditID;
    event.stage = stage;
    event.requestURI = requestURI(spec);
    event.verb = spec.verb;
    event.user = { username, uid: 'b8f4e5a2-1111-4d6b-9c1e-0a2b3c4d5e6f', groups: spec.groups ?? ['system:authenticated'] };
    if (spec.impersonate) event.impersonatedUser = { username: spec.impersonate.username, groups: spec.impersonate.groups };
    event.sourceIPs = [spec.sourceIP ?? '10.0.0.7'];
    event.userAgent = spec.userAgent ?? 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350';
    const objectRef: Record<string, unknown> = { resource: spec.resource };
    if (spec.namespace) objectRef.namespace = spec.namespace;
    if (spec.name) objectRef.name = spec.name;
    if (spec.apiGroup) objectRef.apiGroup = spec.apiGroup;
    objectRef.apiVersion = 'v1';
    if (spec.subresource) objectRef.subresource = spec.subresource;
    event.objectRef = objectRef;
    const done = stage === 'ResponseComplete' || stage === 'Panic';
    if (done) event.responseStatus = responseStatus(spec, stage === 'Panic' ? 500 : code);
    const bodyRead = stage !== 'RequestReceived' && !spec.forbidden;
    if (bodyRead && level !== 'Metadata' && spec.requestObject !== undefined) event.requestObject = spec.requestObject;
    if (stage === 'ResponseComplete' && level === 'RequestResponse' && !spec.forbidden && spec.responseObject !== undefined) event.responseObject = spec.responseObject;
    event.requestReceivedTimestamp = '2026-03-02T10:15:42.123456Z';
    event.stageTimestamp = done ? '2026-03-02T10:15:42.140001Z' : '2026-03-02T10:15:42.123456Z';
    if (stage !== 'RequestReceived') {
      event.annotations = spec.forbidden
        ? { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' }
        : { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': `RBAC: allowed by ClusterRoleBinding "ops" of ClusterRole "edit" to User "${username}"` };
    }
    return event;
  });
}

function responseStatus(spec: RequestSpec, code: number): Record<string, unknown> {
  if (code < 400) return { metadata: {}, code };
  const resource = spec.subresource ? `${spec.resource}/${spec.subresource}` : spec.resource;
  return {
    metadata: {},
    status: 'Failure',
    message: `${resource} "${spec.name ?? ''}" is forbidden: User "${spec.username ?? 'alice'}" cannot ${spec.verb} resource "${resource}" in API group "${spec.apiGroup ?? ''}" in the namespace "${spec.namespace ?? ''}"`,
    reason: code === 403 ? 'Forbidden' : 'InternalError',
    details: { name: spec.name ?? '', kind: spec.resource },
    code,
  };
}

/**
 * One event as Go's encoding/json writes it: compact, and with `<`, `>`, `&`, U+2028 and U+2029 escaped in
 * strings (`\u0026` in every requestURI with a query), which JSON.stringify leaves as they are. Outside
 * strings JSON has none of these characters, so replacing them everywhere is exact.
 */
export function goJson(event: unknown): string {
  return JSON.stringify(event).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The log backend's lines: one JSON object per line, each ending with a newline. */
export function auditLog(events: readonly Record<string, unknown>[]): string {
  return events.map((event) => `${goJson(event)}\n`).join('');
}

/** A Service as the API server returns it, with the given externalIPs and ingress IPs. */
export function service(name: string, namespace: string, externalIPs?: string[], ingressIPs?: string[]): Record<string, unknown> {
  const spec: Record<string, unknown> = { ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 }], selector: { app: name }, clusterIP: '10.96.12.34', clusterIPs: ['10.96.12.34'], type: 'ClusterIP' };
  if (externalIPs) spec.externalIPs = externalIPs;
  spec.sessionAffinity = 'None';
  const status = { loadBalancer: ingressIPs ? { ingress: ingressIPs.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} };
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name, namespace, uid: '0d6c1a9e-2222-4b7a-8f0e-1f2e3d4c5b6a', resourceVersion: '48213', creationTimestamp: '2026-03-02T10:15:42Z', labels: { app: name } },
    spec,
    status,
  };
}

export function clusterRole(name: string, rules: unknown[], labels?: Record<string, string>): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, uid: '7e3d9b1c-3333-4a2f-b6c8-2d1e0f9a8b7c', resourceVersion: '48214', creationTimestamp: '2026-03-02T10:15:42Z' };
  if (labels) metadata.labels = labels;
  return { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', metadata, rules };
}

export function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, namespace: string | undefined, roleRef: { kind: string; name: string }, subjects: unknown[]): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name };
  if (namespace) metadata.namespace = namespace;
  return { kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef } };
}

export const STATUS_WRITE_RULE = { apiGroups: [''], resources: ['services/status'], verbs: ['patch', 'update'] };

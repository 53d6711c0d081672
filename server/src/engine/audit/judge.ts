// The judgement of one API request (all the stages logged for one auditID, merged) against the audit
// rules, with what it needs to remember across requests: which roles grant the services/status write
// (roles seen written earlier in the logs, else the built-in policy), and the summary figures.
import { BUILTIN_CLUSTER_ROLES, BUILTIN_ROLES } from '../rbac/builtinPolicy';
import { grantOf, selectorMatches } from '../rbac/matching';
import { SERVICES_STATUS_WRITE } from '../rbac/permissions';
import { LabelSelector, PolicyRule, ReachClass, Subject } from '../rbac/model';
import { BindingKind, classifyRequestUser, classifySubject, describeSubject } from '../rbac/subjects';
import { judgeExternalIp, printable } from '../rules/externalIps';
import { ParsedCidr } from '../ipAddresses';
import { Severity } from '../types';
import { REACH_NAMES, ruleText } from '../workspace/paths';
import { AUDIT_RULES, AuditRuleId } from './auditRules';
import { AuditEvent, AuditUser, isDryRun, isObject } from './event';
import { BodyKind, writtenEntries } from './patches';

/** One request: its last logged event, with the bodies of earlier stages when the last one lacks them. */
export interface AuditRequest extends AuditEvent {
  /** The file and 0-based line of the event the request is reported at. */
  file: string;
  line: number;
  /** The length of that line in UTF-16 code units (the end of the finding's range). */
  lineLength: number;
}

export type Outcome = 'succeeded' | 'refused' | 'unknown';

export interface AuditFinding {
  rule: AuditRuleId;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  lineLength: number;
  request: {
    auditID: string;
    verb: string;
    resource: string;
    namespace: string;
    name: string;
    /** The user judged: the impersonated user when there is one. */
    user: string;
    groups: string[];
    /** The user who made the request when it impersonated `user`. */
    impersonatedBy?: string;
    sourceIPs: string[];
    userAgent: string;
    time: string;
    outcome: Outcome;
    dryRun: boolean;
  };
}

export interface StatusWriterCount {
  reach: ReachClass;
  succeeded: number;
  refused: number;
}

export interface AuditSummary {
  /** Per `namespace/name` of a Service, the externalIPs entries successful writes set, with how many requests set each. */
  externalIPs: Map<string, Map<string, number>>;
  /** Per user who wrote services/status (impersonated user when one), with their class and counts. */
  statusWriters: Map<string, StatusWriterCount>;
  /** Writes to services and services/status whose body was not logged (level Metadata) or cannot be resolved. */
  serviceWritesWithoutBody: number;
  /** RBAC patches logged without their resulting object (below level RequestResponse). */
  rbacWritesWithoutResult: number;
}

export interface JudgeOptions {
  allowedCidrs: readonly ParsedCidr[];
  statusWriters: readonly string[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const WRITE_VERBS: ReadonlySet<string> = new Set(['create', 'update', 'patch']);
const STATUS_WRITE_VERBS: ReadonlySet<string> = new Set(['patch', 'update']);
const EXTERNAL_IPS_PATH = ['spec', 'externalIPs'];
const INGRESS_PATH = ['status', 'loadBalancer', 'ingress'];

/** The resources whose requests audit-log judges (objectRef.resource); the pre-check's words come from these. */
export const JUDGED_RESOURCES: readonly string[] = ['services', 'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'];

/** Whether an event's request is one the rules or the summary look at. */
export function isJudgedRequest(event: AuditEvent): boolean {
  const ref = event.objectRef;
  if (ref === undefined) return false;
  if (ref.apiGroup === '' && ref.resource === 'services') return ref.subresource === '' || ref.subresource === 'status';
  return ref.apiGroup === RBAC_GROUP && JUDGED_RESOURCES.includes(ref.resource) && ref.subresource === '';
}

export function outcomeOf(request: AuditEvent): Outcome {
  if (request.responseCode !== undefined) return request.responseCode < 400 ? 'succeeded' : 'refused';
  if (request.stage === 'ResponseComplete') return 'succeeded';
  return request.stage === 'Panic' ? 'refused' : 'unknown';
}

interface KnownRole {
  grants: boolean;
  labels: Record<string, string>;
  aggregationSelectors?: LabelSelector[];
}

export class AuditJudge {
  readonly summary: AuditSummary = { externalIPs: new Map(), statusWriters: new Map(), serviceWritesWithoutBody: 0, rbacWritesWithoutResult: 0 };
  /** Roles by `ClusterRole/<name>` or `Role/<namespace>/<name>`: the built-ins, then what the logs wrote. */
  private readonly roles = new Map<string, KnownRole>();

  constructor(private readonly options: JudgeOptions) {
    for (const role of BUILTIN_CLUSTER_ROLES) {
      this.roles.set(`ClusterRole/${role.name}`, { grants: grantsStatusWrite(role.rules), labels: role.labels, aggregationSelectors: role.aggregationSelectors });
    }
    for (const role of BUILTIN_ROLES) this.roles.set(`Role/${role.namespace}/${role.name}`, { grants: grantsStatusWrite(role.rules), labels: {} });
    for (const [key, role] of this.roles) if (role.grants) this.aggregateUp(key, role.labels, new Set());
  }

  judge(request: AuditRequest): AuditFinding[] {
    const ref = request.objectRef;
    if (ref === undefined || !isJudgedRequest(request)) return [];
    if (ref.resource === 'services') return ref.subresource === 'status' ? this.statusWrite(request) : this.serviceWrite(request);
    if (ref.resource === 'roles' || ref.resource === 'clusterroles') return this.roleWrite(request);
    return this.bindingWrite(request);
  }

  private statusWrite(request: AuditRequest): AuditFinding[] {
    if (!STATUS_WRITE_VERBS.has(request.verb)) return [];
    const judged = judgedUser(request);
    const reach = classifyRequestUser(judged.username, judged.groups, this.options.statusWriters);
    const outcome = outcomeOf(request);
    const count = this.summary.statusWriters.get(judged.username) ?? { reach, succeeded: 0, refused: 0 };
    if (outcome === 'succeeded' && !isDryRun(request.requestURI)) count.succeeded++;
    else if (outcome === 'refused') count.refused++;
    this.summary.statusWriters.set(judged.username, count);
    if (reach === 'control-plane') return [];
    const body = bodyOf(request);
    let written: string;
    if (body === undefined) {
      if (bodyLevelMissing(request)) {
        this.summary.serviceWritesWithoutBody++;
        written = 'The body was not logged (level Metadata), so the ingress IPs written are unknown.';
      } else {
        written = outcome === 'refused' ? 'It was refused before its body was read.' : 'No body was logged.';
      }
    } else {
      const entries = writtenEntries(body.value, body.kind, INGRESS_PATH, request.responseObject);
      const ips = entries.entries.map((entry) => (isObject(entry) ? (entry.ip ?? entry.hostname) : entry)).filter((ip) => ip !== undefined);
      written =
        ips.length > 0
          ? `It writes the ingress ${ips.length === 1 ? 'address' : 'addresses'} ${ips.map(shown).join(', ')}.`
          : entries.unresolved > 0
            ? 'It copies ingress entries the log does not show (the response was not logged).'
            : 'It writes no ingress address.';
    }
    return [
      this.finding('audit-services-status-write', request, outcome, `${judged.username || '(no user name)'} is not an allowed status writer (${REACH_NAMES[reach]}); a LoadBalancer ingress IP written to a Service's status draws the traffic to that IP from every pod and node (CVE-2020-8554). ${written}`),
    ];
  }

  private serviceWrite(request: AuditRequest): AuditFinding[] {
    if (!WRITE_VERBS.has(request.verb)) return [];
    const outcome = outcomeOf(request);
    const body = bodyOf(request);
    if (body === undefined) {
      // A request refused before its body was read (authorization) logs none at any level.
      if (bodyLevelMissing(request)) this.summary.serviceWritesWithoutBody++;
      return [];
    }
    const written = writtenEntries(body.value, body.kind, EXTERNAL_IPS_PATH, request.responseObject);
    if (written.unresolved > 0) this.summary.serviceWritesWithoutBody++;
    if (outcome === 'succeeded' && !isDryRun(request.requestURI) && written.entries.length > 0) {
      const service = `${request.objectRef!.namespace}/${objectName(request)}`;
      const seen = this.summary.externalIPs.get(service) ?? new Map<string, number>();
      for (const entry of new Set(written.entries.map(shown))) seen.set(entry, (seen.get(entry) ?? 0) + 1);
      this.summary.externalIPs.set(service, seen);
    }
    const problems: string[] = [];
    if (written.notAList) problems.push('spec.externalIPs is not a list');
    for (const entry of written.entries) {
      if (typeof entry !== 'string') {
        problems.push(`${shown(entry)} is not a string IP address`);
        continue;
      }
      const verdict = judgeExternalIp(entry, false, this.options.allowedCidrs, 'this Service');
      if (verdict !== undefined) problems.push(`"${printable(entry)}" ${verdict.reason}`);
    }
    if (problems.length === 0) return [];
    return [
      this.finding('audit-external-ips', request, outcome, `It sets spec.externalIPs: ${problems.join('; ')}. An externalIP draws the traffic to that address from every pod and node to this Service (CVE-2020-8554).`),
    ];
  }

  private roleWrite(request: AuditRequest): AuditFinding[] {
    const kind = request.objectRef!.resource === 'clusterroles' ? 'ClusterRole' : 'Role';
    const outcome = outcomeOf(request);
    const changes = outcome === 'succeeded' && !isDryRun(request.requestURI);
    const key = roleKey(kind, request.objectRef!.namespace, objectName(request));
    if (request.verb === 'delete') {
      if (changes) this.roles.delete(key);
      return [];
    }
    if (!WRITE_VERBS.has(request.verb) || outcome !== 'succeeded') return [];
    const role = this.resultingObject(request);
    if (role === undefined) return [];
    const rules = policyRules(role.rules);
    const granting = rules.filter((rule) => grantOf(rule, SERVICES_STATUS_WRITE.accesses) !== undefined);
    const metadata = isObject(role.metadata) ? role.metadata : {};
    const labels = stringMap(metadata.labels);
    const aggregationSelectors = isObject(role.aggregationRule) ? labelSelectors(role.aggregationRule.clusterRoleSelectors) : undefined;
    let aggregators: string[] = [];
    if (changes) {
      this.roles.set(key, { grants: granting.length > 0, labels, aggregationSelectors });
      if (granting.length > 0 && kind === 'ClusterRole') aggregators = this.aggregateUp(key, labels, new Set());
    }
    if (granting.length === 0) return [];
    const judged = judgedUser(request);
    if (classifyRequestUser(judged.username, judged.groups, this.options.statusWriters) === 'control-plane') return [];
    const aggregated = aggregators.length > 0 ? ` It is aggregated into ${aggregators.map((name) => name.replace('/', ' ')).join(', ')}.` : '';
    return [
      this.finding('audit-rbac-grant', request, outcome, `The ${kind} grants ${SERVICES_STATUS_WRITE.description} (${granting.map(ruleText).join('; ')}): whoever it is bound to can write LoadBalancer ingress IPs (CVE-2020-8554).${aggregated}`),
    ];
  }

  private bindingWrite(request: AuditRequest): AuditFinding[] {
    if (!WRITE_VERBS.has(request.verb) || outcomeOf(request) !== 'succeeded') return [];
    const binding = this.resultingObject(request);
    if (binding === undefined || !isObject(binding.roleRef)) return [];
    const bindingKind: BindingKind = request.objectRef!.resource === 'clusterrolebindings' ? 'ClusterRoleBinding' : 'RoleBinding';
    const namespace = request.objectRef!.namespace || undefined;
    const roleRefKind = binding.roleRef.kind === 'Role' ? 'Role' : 'ClusterRole';
    const roleRefName = typeof binding.roleRef.name === 'string' ? binding.roleRef.name : '';
    const role = this.roles.get(roleKey(roleRefKind, namespace ?? '', roleRefName));
    if (role === undefined || !role.grants) return [];
    const subjects = (Array.isArray(binding.subjects) ? binding.subjects : []).filter(isObject).map(
      (subject): Subject => ({ kind: String(subject.kind ?? ''), name: String(subject.name ?? ''), namespace: typeof subject.namespace === 'string' ? subject.namespace : undefined }),
    );
    const reported = subjects
      .map((subject) => ({ subject, reach: classifySubject(subject, namespace, bindingKind, this.options.statusWriters) }))
      .filter(({ reach }) => reach !== 'control-plane');
    if (reported.length === 0) return [];
    const who = reported.map(({ subject, reach }) => `${describeSubject(subject, namespace, bindingKind)} (${REACH_NAMES[reach]})`).join(', ');
    return [
      this.finding('audit-rbac-grant', request, 'succeeded', `It binds ${roleRefKind} ${roleRefName}, which grants ${SERVICES_STATUS_WRITE.description}, to ${who}: they can write LoadBalancer ingress IPs (CVE-2020-8554).`),
    ];
  }

  /** The object after a write: the logged response, else (create, update) the request's whole object. */
  private resultingObject(request: AuditRequest): Record<string, unknown> | undefined {
    if (isObject(request.responseObject) && request.responseObject.kind !== 'Status') return request.responseObject;
    if (request.verb !== 'patch' && isObject(request.requestObject)) return request.requestObject;
    this.summary.rbacWritesWithoutResult++;
    return undefined;
  }

  /** Marks the ClusterRoles that aggregate a granting role (through their selectors, transitively); returns their keys. */
  private aggregateUp(key: string, labels: Record<string, string>, visited: Set<string>): string[] {
    const marked: string[] = [];
    visited.add(key);
    for (const [otherKey, other] of this.roles) {
      if (visited.has(otherKey) || other.aggregationSelectors === undefined) continue;
      if (!other.aggregationSelectors.some((selector) => selectorMatches(selector, labels))) continue;
      other.grants = true;
      marked.push(otherKey, ...this.aggregateUp(otherKey, other.labels, visited));
    }
    return marked;
  }

  private finding(rule: AuditRuleId, request: AuditRequest, outcome: Outcome, detail: string): AuditFinding {
    const dryRun = isDryRun(request.requestURI);
    const severity: Severity = dryRun ? 'information' : outcome === 'succeeded' ? AUDIT_RULES[rule].severity : 'warning';
    const judged = judgedUser(request);
    const ref = request.objectRef!;
    const name = objectName(request);
    const resource = ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource;
    const target = `${resource} ${ref.namespace ? `${ref.namespace}/` : ''}${name || '(no name)'}`;
    const by = `${judged.username || '(no user name)'}${judged.groups.length > 0 ? ` (groups ${judged.groups.join(', ')})` : ''}${request.impersonatedUser ? `, impersonated by ${request.user.username}` : ''}`;
    const from = request.sourceIPs.length > 0 ? ` from ${request.sourceIPs.join(', ')}` : '';
    const agent = request.userAgent ? ` (${request.userAgent})` : '';
    const when = request.time ? ` at ${request.time}` : '';
    const result = dryRun ? 'dry run, changed nothing' : outcome === 'succeeded' ? 'succeeded' : outcome === 'refused' ? `refused${request.responseCode !== undefined ? ` (${request.responseCode})` : ''}` : 'outcome not logged';
    return {
      rule,
      severity,
      message: `${request.verb} ${target} by ${by}${from}${agent}${when}, ${result}. ${detail}`,
      file: request.file,
      line: request.line,
      lineLength: request.lineLength,
      request: {
        auditID: request.auditID,
        verb: request.verb,
        resource,
        namespace: ref.namespace,
        name,
        user: judged.username,
        groups: judged.groups,
        impersonatedBy: request.impersonatedUser ? request.user.username : undefined,
        sourceIPs: request.sourceIPs,
        userAgent: request.userAgent,
        time: request.time,
        outcome,
        dryRun,
      },
    };
  }
}

/** With impersonation, the request acts as the impersonated user: that is who is judged. */
function judgedUser(request: AuditEvent): AuditUser {
  return request.impersonatedUser ?? request.user;
}

/** The logged body and how to read it: create and update send the whole object, patch a patch. */
function bodyOf(request: AuditEvent): { value: unknown; kind: BodyKind } | undefined {
  if (request.requestObject === undefined) return undefined;
  return { value: request.requestObject, kind: request.verb === 'patch' ? 'patch' : 'object' };
}

/** Whether the body is missing because of the level the event was logged at (Metadata, or no level). */
function bodyLevelMissing(request: AuditEvent): boolean {
  return request.level !== 'Request' && request.level !== 'RequestResponse';
}

/** objectRef.name, else the name in the logged object (a create's objectRef may have none). */
function objectName(request: AuditEvent): string {
  if (request.objectRef?.name) return request.objectRef.name;
  for (const object of [request.responseObject, request.requestObject]) {
    if (isObject(object) && isObject(object.metadata) && typeof object.metadata.name === 'string') return object.metadata.name;
  }
  return '';
}

function roleKey(kind: 'Role' | 'ClusterRole', namespace: string, name: string): string {
  return kind === 'ClusterRole' ? `ClusterRole/${name}` : `Role/${namespace}/${name}`;
}

function grantsStatusWrite(rules: readonly PolicyRule[]): boolean {
  return rules.some((rule) => grantOf(rule, SERVICES_STATUS_WRITE.accesses) !== undefined);
}

function policyRules(value: unknown): PolicyRule[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((rule) => ({ apiGroups: stringList(rule.apiGroups), resources: stringList(rule.resources), verbs: stringList(rule.verbs) }));
}

function labelSelectors(value: unknown): LabelSelector[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((selector) => ({
    matchLabels: stringMap(selector.matchLabels),
    matchExpressions: (Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []).filter(isObject).map((requirement) => ({
      key: String(requirement.key ?? ''),
      operator: requirement.operator as LabelSelector['matchExpressions'][number]['operator'],
      values: Array.isArray(requirement.values) ? stringList(requirement.values) : undefined,
    })),
  }));
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (isObject(value)) for (const [key, item] of Object.entries(value)) if (typeof item === 'string') result[key] = item;
  return result;
}

/** A logged value for messages: strings as they are (control characters escaped), anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? printable(value) : printable(JSON.stringify(value) ?? String(value));
}

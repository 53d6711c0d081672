// One audit.k8s.io Event (v1, or v1beta1 with the same fields), read from parsed JSON into the few fields
// audit-log judges. Keys may come in any order and `apiVersion` may be missing (older writers); anything
// that is not an object with an auditID, a stage and a verb is not an Event.

export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

export interface AuditUser {
  username: string;
  groups: string[];
}

export interface AuditObjectRef {
  resource: string;
  subresource: string;
  apiGroup: string;
  namespace: string;
  name: string;
}

export interface AuditEvent {
  auditID: string;
  stage: string;
  level: string;
  verb: string;
  requestURI: string;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs: string[];
  userAgent: string;
  objectRef?: AuditObjectRef;
  /** responseStatus.code, when the event has one. */
  responseCode?: number;
  requestObject?: unknown;
  responseObject?: unknown;
  /** stageTimestamp, else requestReceivedTimestamp, else v1beta1's timestamp. */
  time: string;
}

/** The event's fields, or a reason it is not an audit Event. */
export function readEvent(value: unknown): AuditEvent | { notAnEvent: string } {
  if (!isObject(value)) return { notAnEvent: 'not a JSON object' };
  if (value.kind !== undefined && value.kind !== 'Event') return { notAnEvent: `kind ${JSON.stringify(value.kind)} is not Event` };
  const auditID = value.auditID;
  const stage = value.stage;
  const verb = value.verb;
  if (typeof auditID !== 'string' || typeof stage !== 'string' || typeof verb !== 'string') {
    return { notAnEvent: 'not an audit Event (no auditID, stage or verb)' };
  }
  const responseStatus = isObject(value.responseStatus) ? value.responseStatus : undefined;
  return {
    auditID,
    stage,
    verb,
    level: text(value.level),
    requestURI: text(value.requestURI),
    user: readUser(value.user) ?? { username: '', groups: [] },
    impersonatedUser: readUser(value.impersonatedUser),
    sourceIPs: strings(value.sourceIPs),
    userAgent: text(value.userAgent),
    objectRef: readObjectRef(value.objectRef),
    responseCode: typeof responseStatus?.code === 'number' ? responseStatus.code : undefined,
    requestObject: value.requestObject ?? undefined,
    responseObject: value.responseObject ?? undefined,
    time: text(value.stageTimestamp) || text(value.requestReceivedTimestamp) || text(value.timestamp),
  };
}

function readUser(value: unknown): AuditUser | undefined {
  if (!isObject(value)) return undefined;
  return { username: text(value.username), groups: strings(value.groups) };
}

function readObjectRef(value: unknown): AuditObjectRef | undefined {
  if (!isObject(value)) return undefined;
  return {
    resource: text(value.resource),
    subresource: text(value.subresource),
    apiGroup: text(value.apiGroup),
    namespace: text(value.namespace),
    name: text(value.name),
  };
}

/** Whether `requestURI` asks for a dry run (`dryRun=All`): the request changed nothing. */
export function isDryRun(requestURI: string): boolean {
  const query = requestURI.indexOf('?');
  if (query === -1) return false;
  return new URLSearchParams(requestURI.slice(query + 1)).getAll('dryRun').includes('All');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

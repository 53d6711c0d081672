// What the mitigation checks share: naming the object, and the two shapes of their findings (a setting
// a fix can switch to its blocking value, and a finding only the author can resolve).
import { Document, isScalar, YAMLMap } from 'yaml';
import { ManifestObject } from '../manifests';
import { RuleId, Severity } from '../types';
import { childMaps, Located, nodeSpan, scalarString, scalarValues } from '../yamlModel';
import { placeOf, RuleFinding } from './ruleTypes';

/** `Kind name` of an object, as messages name it. */
export function describeObject(document: Document, object: ManifestObject, kind: string): string {
  const metadata = childMaps(document, object.map, 'metadata')[0];
  const name = metadata ? scalarValues(document, metadata, 'name')[0] : undefined;
  return name === undefined ? kind : `${kind} ${name}`;
}

/**
 * A setting that does not block, reported at its value; fixable when the value is a scalar written in
 * place (not through an alias or merge key, which other objects may share).
 */
export function settingFinding(map: Located<YAMLMap>, value: Located, enforcing: string, message: string): RuleFinding {
  const fixable = value.pair !== undefined && isScalar(value.node) && !value.shared && value.parent === map.node;
  return {
    ruleId: 'mitigation-not-enforced',
    message,
    ...placeOf(value),
    target: fixable && value.pair ? { kind: 'enforcement-setting', map: map.node, pair: value.pair, value, enforcing } : { kind: 'report-only' },
  };
}

/** A finding at a node (or a span of it) that no fix resolves. */
export function reportOnly(ruleId: RuleId, at: Located | { start: number; end: number }, message: string, defaultSeverity?: Severity): RuleFinding {
  const place = 'node' in at ? placeOf(at) : at;
  return { ruleId, message, ...place, ...(defaultSeverity ? { defaultSeverity } : {}), target: { kind: 'report-only' } };
}

/** The place of a map pair's key (`validate:`, `matchConstraints:`), for findings about the whole value. */
export function keyPlace(located: Located): { start: number; end: number } {
  const key = located.pair?.key;
  return key && typeof key === 'object' && 'range' in key ? nodeSpan(key as Parameters<typeof nodeSpan>[0]) : placeOf(located);
}

/** The decoded string of a scalar, as a message shows it (quoted, never longer than 60 characters). */
export function shown(node: Located['node']): string {
  const text = scalarString(node) ?? 'null';
  const quoted = JSON.stringify(text);
  return quoted.length > 60 ? `${quoted.slice(0, 57)}..."` : quoted;
}

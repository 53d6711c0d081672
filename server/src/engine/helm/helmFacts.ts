// The Helm facts of one file: what a chart's templates render from `.Values` into the fields the rules
// judge, the values of a chart's values file, and the inline values of Flux HelmReleases and Argo CD
// Applications. The link phase (workspace/helmValues.ts) joins them per chart.
import { PolicyRule } from '../rbac/model';
import type { Place } from '../workspace/facts';

/** The fields a template can fill from values: a Service's `spec.externalIPs` and `status.loadBalancer.ingress`, a role's `rules`. */
export type RenderedField = 'externalIPs' | 'loadBalancerIngress' | 'rules';

/** A template action that renders `field` of a `kind` object from `.Values.<path>`. */
export interface HelmRenderFact {
  kind: 'Service' | 'Role' | 'ClusterRole';
  field: RenderedField;
  /** The values path, e.g. ['service', 'externalIPs'] for `.Values.service.externalIPs`. */
  path: string[];
  /**
   * 'list': the value at `path` is the field's list, or items added to it (`toYaml`, `range`);
   * 'item': the value is one item of it (`- {{ .Values.ip | quote }}`).
   */
  shape: 'list' | 'item';
  /** The action that renders it. */
  place: Place;
  documentIndex: number;
}

/** One item of a values list, or a scalar value. */
export interface ValueItemFact {
  place: Place;
  /** A scalar's decoded text (absent for a map, a list or null). */
  text?: string;
  /** A plain scalar that resolves to no string (a number, a boolean, null). */
  nonString?: boolean;
  /** A map item, read as an RBAC rule. */
  rule?: PolicyRule;
}

/** A value at a path of a values tree: a non-empty list's items, or a scalar that looks like an address. */
export interface HelmValueFact {
  path: string[];
  /** A list's items; absent for a scalar (then `scalar`). */
  items?: ValueItemFact[];
  scalar?: ValueItemFact;
  documentIndex: number;
}

/** A Flux HelmRelease or an Argo CD Application with inline values. */
export interface HelmReleaseFact {
  kind: 'HelmRelease' | 'Application';
  /** The chart's path relative to the repository root (normalised, no `./`), when it is a local chart. */
  chartPath?: string;
  values: HelmValueFact[];
  documentIndex: number;
}

export interface HelmFacts {
  renders: HelmRenderFact[];
  /** Set for a values file of a chart (`values*.yaml` beside `Chart.yaml` and `templates/`), even when it holds nothing to trace. */
  valuesFile?: HelmValueFact[];
  releases: HelmReleaseFact[];
}

export function emptyHelmFacts(): HelmFacts {
  return { renders: [], releases: [] };
}

/** Whether the facts say anything the link reads. */
export function hasHelmFacts(facts: HelmFacts): boolean {
  return facts.renders.length > 0 || facts.valuesFile !== undefined || facts.releases.length > 0;
}

/** The facts moved as `shiftFacts` moves a chunk's facts (`place` moves one place). */
export function shiftHelmFacts(facts: HelmFacts, place: (p: Place) => Place, documentDelta: number): HelmFacts {
  const item = (value: ValueItemFact): ValueItemFact => ({ ...value, place: place(value.place) });
  const values = (list: HelmValueFact[]): HelmValueFact[] =>
    list.map((value) => ({
      ...value,
      documentIndex: value.documentIndex + documentDelta,
      ...(value.items ? { items: value.items.map(item) } : {}),
      ...(value.scalar ? { scalar: item(value.scalar) } : {}),
    }));
  return {
    renders: facts.renders.map((render) => ({ ...render, place: place(render.place), documentIndex: render.documentIndex + documentDelta })),
    ...(facts.valuesFile ? { valuesFile: values(facts.valuesFile) } : {}),
    releases: facts.releases.map((release) => ({ ...release, values: values(release.values), documentIndex: release.documentIndex + documentDelta })),
  };
}

/** Appends `more` to `into` (the facts of one more chunk of the same file). */
export function addHelmFacts(into: HelmFacts, more: HelmFacts): void {
  for (const render of more.renders) into.renders.push(render);
  for (const release of more.releases) into.releases.push(release);
  if (more.valuesFile) into.valuesFile = [...(into.valuesFile ?? []), ...more.valuesFile];
}

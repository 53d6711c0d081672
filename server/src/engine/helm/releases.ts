// Reads the inline values of a Flux HelmRelease (`spec.values`, chart `spec.chart.spec.chart`) and of an
// Argo CD Application (`spec.source` or each `spec.sources` entry: `helm.valuesObject`, or the YAML
// text of the `helm.values` string, chart `path` unless it names a repository `chart`). A chart given
// as a path is local (relative to the repository root); a chart name comes from a Helm repository and
// cannot be traced. Places inside a `helm.values` string are the file characters that write the value
// (embeddedText.ts), or the whole string where that mapping is not proven.
import { Document, isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { embeddedTextOf } from '../embeddedText';
import { MANIFEST_NESTING_LIMITS } from '../nestingGuard';
import { parseSourceDocuments } from '../yamlParse';
import { ManifestObject } from '../manifests';
import { childMaps, Located, mapValues, scalarValues, sequenceItems } from '../yamlModel';
import type { Place } from '../workspace/facts';
import { normaliseChartPath } from './chartFiles';
import { HelmReleaseFact, HelmValueFact } from './helmFacts';
import { valuesDocumentFacts, valuesTreeFacts } from './valuesTree';

const FLUX_HELM_GROUP = 'helm.toolkit.fluxcd.io/';
const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/** The releases an object describes with inline values (none for other objects). */
export function releaseFacts(
  document: Document,
  object: ManifestObject,
  text: string,
  placeOf: (span: { start: number; end: number }) => Place,
  documentIndex: number,
): HelmReleaseFact[] {
  const releases: HelmReleaseFact[] = [];
  if (object.kinds.includes('HelmRelease') && object.apiVersions.some((version) => version.startsWith(FLUX_HELM_GROUP))) {
    for (const spec of childMaps(document, object.map, 'spec')) {
      const written = childMaps(document, spec, 'chart').flatMap((chart) => childMaps(document, chart, 'spec')).flatMap((chartSpec) => scalarValues(document, chartSpec, 'chart'))[0];
      // A chart name without a folder is a repository chart (HelmRepository, OCIRepository).
      const chartPath = written !== undefined && /[/.]/.test(written) ? normaliseChartPath(written) : undefined;
      for (const values of childMaps(document, spec, 'values')) {
        releases.push({ kind: 'HelmRelease', ...(chartPath ? { chartPath } : {}), values: valuesTreeFacts(document, values, placeOf, documentIndex), documentIndex });
      }
    }
  } else if (object.kinds.includes('Application') && object.apiVersions.includes(ARGO_API_VERSION)) {
    for (const spec of childMaps(document, object.map, 'spec')) {
      const sources: Located<YAMLMap>[] = [...childMaps(document, spec, 'source')];
      for (const list of mapValues(document, spec, 'sources')) {
        if (!isSeq(list.node)) continue;
        for (const item of sequenceItems(document, list as Located<YAMLSeq>)) if (isMap(item.node)) sources.push(item as Located<YAMLMap>);
      }
      for (const source of sources) {
        const written = scalarValues(document, source, 'chart').length > 0 ? undefined : scalarValues(document, source, 'path')[0];
        const chartPath = written === undefined ? undefined : normaliseChartPath(written);
        for (const helm of childMaps(document, source, 'helm')) {
          for (const values of childMaps(document, helm, 'valuesObject')) {
            releases.push({ kind: 'Application', ...(chartPath ? { chartPath } : {}), values: valuesTreeFacts(document, values, placeOf, documentIndex), documentIndex });
          }
          for (const values of mapValues(document, helm, 'values')) {
            if (!isScalar(values.node)) continue;
            const facts = embeddedValuesFacts(text, values.node, placeOf, documentIndex);
            releases.push({ kind: 'Application', ...(chartPath ? { chartPath } : {}), values: facts, documentIndex });
          }
        }
      }
    }
  }
  return releases.filter((release) => release.values.length > 0);
}

/**
 * The values tree written as YAML text in a string scalar (Argo CD `helm.values`), placed at the file
 * characters that write each value; none when the string is no YAML map.
 */
function embeddedValuesFacts(
  text: string,
  scalar: Scalar,
  placeOf: (span: { start: number; end: number }) => Place,
  documentIndex: number,
): HelmValueFact[] {
  const embedded = embeddedTextOf(text, scalar);
  if (embedded === undefined) return [];
  let documents;
  try {
    documents = parseSourceDocuments(embedded.text, MANIFEST_NESTING_LIMITS);
  } catch {
    return [];
  }
  const inFile = (span: { start: number; end: number }): Place => {
    let end = span.end;
    // A value's span runs to the next line in block context; the place ends at its last visible character.
    while (end > span.start && /\s/.test(embedded.text[end - 1])) end--;
    const range = embedded.fileRange(span.start, end);
    return placeOf({ start: range.start, end: range.end });
  };
  return documents.flatMap((source) => valuesDocumentFacts(source, inFile)).map((fact) => ({ ...fact, documentIndex }));
}

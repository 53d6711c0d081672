// Helm values traced through a chart, from the link phase: a chart's templates say which `.Values` paths
// they render into a Service's spec.externalIPs or status.loadBalancer.ingress or a role's rules
// (helm/templateRenders.ts); the values at those paths, in the chart's values files and in the inline
// values of Flux HelmReleases and Argo CD Applications whose local chart is that chart, are judged as the
// rules judge the field, and reported where the value is written. A chart is a folder: templates below
// its `templates/`, values files in it (helm/chartFiles.ts). A release whose chart is not in the
// workspace cannot be traced: a key literally named `externalIPs` in its values is reported at
// information severity.
import { chartFolderName, chartMatchesPath, chartOfTemplate, chartOfValuesFile } from '../helm/chartFiles';
import { HelmFacts, HelmReleaseFact, HelmRenderFact, HelmValueFact, ValueItemFact } from '../helm/helmFacts';
import { grantOf } from '../rbac/matching';
import { SERVICES_STATUS_WRITE } from '../rbac/permissions';
import { judgeExternalIp } from '../rules/externalIps';
import { EngineOptions, RelatedLocation, RuleId, Severity } from '../types';
import { FileFacts, Place } from './facts';

/** How a finding is reported: the Linker adds it to the file (`severity`: instead of the rule's default; `forced`: even over the configured one). */
export type HelmReport = (
  code: RuleId,
  place: Place,
  documentIndex: number,
  text: { message: string; related: RelatedLocation[] },
  severity?: { severity: Severity; forced: boolean },
) => void;

const CHART_KEY = 'helm-chart/';
const MAX_RELATED = 20;

/** The charts a file's facts belong to, as `helm-chart/<folder>`: what its dependents are found from when it changes. */
export function helmKeysOf(file: string, facts: FileFacts | undefined): string[] {
  const helm = facts?.helm;
  if (!helm) return [];
  const keys: string[] = [];
  const template = helm.renders.length > 0 ? chartOfTemplate(file) : undefined;
  if (template !== undefined) keys.push(CHART_KEY + template);
  if (helm.valuesFile) keys.push(CHART_KEY + chartOfValuesFile(file));
  return keys;
}

interface RenderAt {
  file: string;
  render: HelmRenderFact;
}

/** The Helm facts of one cluster, indexed by chart. */
export class HelmValues {
  private readonly helmByFile = new Map<string, HelmFacts>();
  private readonly rendersByChart = new Map<string, RenderAt[]>();
  private readonly valuesFilesByChart = new Map<string, string[]>();
  /** Every chart folder the workspace shows (a values file's or a template's). */
  private readonly charts: string[] = [];
  /** Files with releases of a local chart, by the chart folder's name. */
  private readonly releaseFilesByFolderName = new Map<string, Set<string>>();

  constructor(inputs: readonly { file: string; facts: FileFacts }[]) {
    const charts = new Set<string>();
    for (const { file, facts } of inputs) {
      const helm = facts.helm;
      if (!helm) continue;
      this.helmByFile.set(file, helm);
      const template = chartOfTemplate(file);
      if (template !== undefined && helm.renders.length > 0) {
        charts.add(template);
        const list = this.rendersByChart.get(template) ?? [];
        for (const render of helm.renders) list.push({ file, render });
        this.rendersByChart.set(template, list);
      }
      if (helm.valuesFile) {
        const chart = chartOfValuesFile(file);
        charts.add(chart);
        this.valuesFilesByChart.set(chart, [...(this.valuesFilesByChart.get(chart) ?? []), file]);
      }
      for (const release of helm.releases) {
        if (release.chartPath === undefined) continue;
        const name = chartFolderName(release.chartPath);
        const files = this.releaseFilesByFolderName.get(name) ?? new Set<string>();
        this.releaseFilesByFolderName.set(name, files.add(file));
      }
    }
    // Shortest first: a release's path resolves to the chart nearest the root that it names.
    this.charts = [...charts].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The files whose findings can change when the charts named by `keys` (see `helmKeysOf`) change; other keys are ignored. */
  dependentFiles(keys: Iterable<string>): Set<string> {
    const files = new Set<string>();
    for (const key of keys) {
      if (!key.startsWith(CHART_KEY)) continue;
      const chart = key.slice(CHART_KEY.length);
      for (const file of this.valuesFilesByChart.get(chart) ?? []) files.add(file);
      for (const file of this.releaseFilesByFolderName.get(chartFolderName(chart)) ?? []) files.add(file);
    }
    return files;
  }

  /** Reports the traced (and untraceable) values of `file`. */
  report(file: string, options: EngineOptions, report: HelmReport): void {
    const helm = this.helmByFile.get(file);
    if (!helm) return;
    if (helm.valuesFile) {
      const chart = chartOfValuesFile(file);
      this.trace(helm.valuesFile, this.rendersByChart.get(chart) ?? [], options, 'this values file', report);
    }
    for (const release of helm.releases) {
      const chart = release.chartPath === undefined ? undefined : this.charts.find((candidate) => chartMatchesPath(candidate, release.chartPath as string));
      if (chart === undefined) this.untraced(release, options, report);
      else this.trace(release.values, this.rendersByChart.get(chart) ?? [], options, `this ${release.kind}'s values`, report);
    }
  }

  private trace(values: readonly HelmValueFact[], renders: readonly RenderAt[], options: EngineOptions, where: string, report: HelmReport): void {
    if (renders.length === 0) return;
    const valuesByPath = new Map<string, HelmValueFact[]>();
    for (const value of values) {
      const key = value.path.join('\0');
      valuesByPath.set(key, [...(valuesByPath.get(key) ?? []), value]);
    }
    // The renders of one path into one field (two Services may render the same value): one finding per item, every render related.
    const groups = new Map<string, RenderAt[]>();
    for (const at of renders) {
      if (!valuesByPath.has(at.render.path.join('\0'))) continue;
      const key = JSON.stringify([at.render.path, at.render.field, at.render.shape]);
      groups.set(key, [...(groups.get(key) ?? []), at]);
    }
    for (const group of groups.values()) {
      const { render } = group[0];
      const related = group.slice(0, MAX_RELATED).map(({ file, render: each }) => ({
        file,
        range: each.place.range,
        message: `renders .Values.${each.path.join('.')} into ${fieldText(each)} of this ${each.kind} template`,
      }));
      const traced = ` Traced from ${where} through the chart: .Values.${render.path.join('.')} is rendered into ${fieldText(render)} of a ${render.kind} (the template is a related location).`;
      for (const value of valuesByPath.get(render.path.join('\0')) ?? []) {
        const items = render.shape === 'list' ? value.items ?? [] : value.scalar ? [value.scalar] : [];
        for (const item of items) this.judge(render, item, value.documentIndex, options, traced, related, report);
      }
    }
  }

  private judge(
    render: HelmRenderFact,
    item: ValueItemFact,
    documentIndex: number,
    options: EngineOptions,
    traced: string,
    related: RelatedLocation[],
    report: HelmReport,
  ): void {
    if (render.field === 'externalIPs') {
      const verdict = judgeExternalIp(item.rule ? undefined : item.text, item.nonString === true, options.allowedCidrs, 'the Service the chart renders');
      if (verdict) report(verdict.ruleId, item.place, documentIndex, { message: verdict.message + traced, related });
    } else if (render.field === 'loadBalancerIngress') {
      report('loadbalancer-status', item.place, documentIndex, {
        message:
          'This value becomes status.loadBalancer.ingress of a Service. The API server ignores status in a manifest; it only takes effect ' +
          'when written through the services/status subresource, which is the CVE-2020-8554 path to intercept traffic for that address.' +
          traced,
        related,
      });
    } else {
      const grant = item.rule && grantOf(item.rule, SERVICES_STATUS_WRITE.accesses);
      if (!grant) return;
      report('rbac-services-status', item.place, documentIndex, {
        message:
          `This rule grants ${grant.verbs.join(', ')} on services/status (resources ${grant.resources.join(', ')}, apiGroups ${grant.apiGroups.map((group) => JSON.stringify(group)).join(', ')}). ` +
          'Whoever holds the role can write status.loadBalancer.ingress of Services and intercept their traffic (CVE-2020-8554); who holds it is not traced through the chart.' +
          traced,
        related,
      });
    }
  }

  /** A release whose chart is not in the workspace: a key named `externalIPs` holding strings is reported at information severity. */
  private untraced(release: HelmReleaseFact, options: EngineOptions, report: HelmReport): void {
    for (const value of release.values) {
      if (value.path[value.path.length - 1] !== 'externalIPs' || !value.items) continue;
      for (const item of value.items) {
        if (item.text === undefined || item.nonString) continue;
        const verdict = judgeExternalIp(item.text, false, options.allowedCidrs, 'a Service the chart renders from it');
        if (!verdict) continue;
        report(
          'external-ips',
          item.place,
          value.documentIndex,
          {
            message:
              `.${value.path.join('.')} in this ${release.kind}'s values, not traced through the chart (${release.chartPath === undefined ? 'its chart is no path in the repository' : `${release.chartPath} is not in the workspace`}): ` +
              `if the chart renders it into a Service's spec.externalIPs, ${verdict.message.charAt(0).toLowerCase()}${verdict.message.slice(1)}`,
            related: [],
          },
          { severity: 'information', forced: true },
        );
      }
    }
  }
}

function fieldText(render: HelmRenderFact): string {
  return render.field === 'externalIPs' ? 'spec.externalIPs' : render.field === 'loadBalancerIngress' ? 'status.loadBalancer.ingress' : 'rules';
}

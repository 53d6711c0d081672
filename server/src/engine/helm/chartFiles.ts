// Where a file sits in a Helm chart. A chart is a folder holding `Chart.yaml` and `templates/`; its values
// files are `values*.yaml` and `*.values.yaml` beside them. Whether a file is a values file is decided on
// disk, where it is analysed (a values file is YAML without a kind, which the pre-check would otherwise
// skip); the link phase pairs templates and values files by the chart folder their names put them in.
import * as fs from 'node:fs';
import * as path from 'node:path';

const VALUES_FILE_NAME = /^(values[^/\\]*|[^/\\]+\.values)\.ya?ml$/i;

/** Whether `fileName` (no folder) is named like a Helm values file. */
export function isValuesFileName(fileName: string): boolean {
  return VALUES_FILE_NAME.test(fileName);
}

/** Whether the file at `fsPath` is a values file of a chart: named like one, beside `Chart.yaml` and a `templates` folder. */
export function isHelmValuesFile(fsPath: string): boolean {
  if (!isValuesFileName(path.basename(fsPath))) return false;
  const folder = path.dirname(fsPath);
  try {
    return fs.statSync(path.join(folder, 'Chart.yaml')).isFile() && fs.statSync(path.join(folder, 'templates')).isDirectory();
  } catch {
    return false;
  }
}

/** A file id (a path or a URI) with `/` separators. */
function slashed(file: string): string {
  return file.replace(/\\/g, '/');
}

/** The chart folder of a template (the folder above its last `templates/`), or undefined. */
export function chartOfTemplate(file: string): string | undefined {
  const id = slashed(file);
  const at = id.lastIndexOf('/templates/');
  return at <= 0 ? undefined : id.slice(0, at);
}

/** The chart folder of a values file: its folder. */
export function chartOfValuesFile(file: string): string {
  const id = slashed(file);
  return id.slice(0, Math.max(0, id.lastIndexOf('/')));
}

/**
 * A local chart reference (Flux `spec.chart.spec.chart`, Argo CD `spec.source.path`) normalised: no
 * `./`, no empty or `.` segments, no trailing `/`; undefined when it leaves the repository (`..`) or
 * names its root.
 */
export function normaliseChartPath(written: string): string | undefined {
  const segments = slashed(written.trim())
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0 || segments.includes('..')) return undefined;
  return segments.join('/');
}

/** Whether the chart folder `chart` (a file id) is at `chartPath` below some root: its last segments are `chartPath`'s. */
export function chartMatchesPath(chart: string, chartPath: string): boolean {
  const id = slashed(chart);
  return id === chartPath || id.endsWith(`/${chartPath}`);
}

/** The last segment of a chart folder or chart path: what the link indexes releases by. */
export function chartFolderName(chartOrPath: string): string {
  const id = slashed(chartOrPath);
  return id.slice(id.lastIndexOf('/') + 1);
}

// Where people keep kube-apiserver's configuration in git, read as the admission flags it ends up with
// (apiServerFlags.ts): a static Pod manifest (a Pod, or the pod template of a Deployment, DaemonSet or
// StatefulSet) whose container runs `kube-apiserver`, and a kubeadm ClusterConfiguration, whose
// `apiServer.extraArgs` kubeadm turns into `--name=value` flags that replace its own defaults by name.
import { Document, isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { admissionFlags, AdmissionFlags, ENABLE_ADMISSION_PLUGINS, hasFlag } from '../apiServerFlags';
import { isObjectOf, ManifestObject } from '../manifests';
import { childMaps, isMergeKey, keyString, Located, mapValues, resolveNode, scalarString, sequenceItems } from '../yamlModel';

/** One argument of a container's command or args, where it is written. */
export interface Argument {
  value: string;
  scalar: Scalar;
  /** The sequence holding it (`command` or `args`) and its index there. */
  list: Located<YAMLSeq>;
  index: number;
}

/** A container that runs kube-apiserver: its program and flags, in the order the kubelet passes them. */
export interface ApiServerContainer {
  kind: 'container';
  container: Located<YAMLMap>;
  command?: Located<YAMLSeq>;
  args?: Located<YAMLSeq>;
  program: Argument;
  flags: Argument[];
}

/** One entry of kubeadm's `apiServer.extraArgs`: a map pair (v1beta2, v1beta3) or a `{name, value}` item (v1beta4). */
export interface ExtraArg {
  name: string;
  value: string;
  scalar: Scalar;
  /** The v1beta4 list item, or undefined for a map pair. */
  item?: YAMLMap;
}

export interface KubeadmApiServer {
  kind: 'kubeadm';
  /** v1beta4 writes extraArgs as a list of `{name, value}`; earlier versions as a map. */
  listForm: boolean;
  apiServer?: Located<YAMLMap>;
  extraArgs?: Located<YAMLMap | YAMLSeq>;
  entries: ExtraArg[];
}

export type ApiServerSource = ApiServerContainer | KubeadmApiServer;

export interface ApiServerConfig {
  source: ApiServerSource;
  flags: AdmissionFlags;
}

/** The admission plugin that is kube-apiserver's own mitigation of CVE-2020-8554. */
export const DENY_SERVICE_EXTERNAL_IPS = 'DenyServiceExternalIPs';
const PROGRAM = 'kube-apiserver';
/** The flag every kube-apiserver needs (its storage), and a trigger word of the rule. */
export const ETCD_SERVERS = 'etcd-servers';
const WORKLOAD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet'];
const KUBEADM_LIST_FORM_VERSION = 'kubeadm.k8s.io/v1beta4';
const KUBEADM_MAP_FORM_VERSIONS = ['kubeadm.k8s.io/v1beta2', 'kubeadm.k8s.io/v1beta3'];
/** kubeadm's own value of the flag (cmd/kubeadm/app/phases/controlplane/manifests.go), replaced by an extraArgs entry of that name. */
export const KUBEADM_DEFAULT_ADMISSION_PLUGINS = ['NodeRestriction'];

/** The kube-apiserver configurations an object holds. */
export function apiServerConfigs(document: Document, object: ManifestObject): ApiServerConfig[] {
  const configs: ApiServerConfig[] = [];
  for (const spec of podSpecs(document, object)) {
    for (const container of containerMaps(document, spec)) {
      const source = apiServerContainer(document, container);
      if (source) configs.push({ source, flags: admissionFlags(source.flags.map((flag) => flag.value)) });
    }
  }
  const kubeadm = kubeadmApiServer(document, object);
  if (kubeadm) configs.push({ source: kubeadm, flags: kubeadmFlags(kubeadm.entries) });
  return configs;
}

/** The flags kubeadm writes for these extraArgs: its default, unless an entry of that name replaces it, then the entries in order. */
export function kubeadmFlags(entries: readonly { name: string; value: string }[]): AdmissionFlags {
  const written = kubeadmEntryFlags(entries);
  if (written.uses.some((use) => use.flag === ENABLE_ADMISSION_PLUGINS)) return written;
  return { ...written, enabled: [...KUBEADM_DEFAULT_ADMISSION_PLUGINS, ...written.enabled] };
}

/** The flags of the entries alone (use indices are entry indices). */
export function kubeadmEntryFlags(entries: readonly { name: string; value: string }[]): AdmissionFlags {
  return admissionFlags(entries.map((entry) => `--${entry.name}=${entry.value}`));
}

function podSpecs(document: Document, object: ManifestObject): Located<YAMLMap>[] {
  if (isObjectOf(object, 'v1', ['Pod'])) return childMaps(document, object.map, 'spec');
  if (!isObjectOf(object, 'apps/v1', WORKLOAD_KINDS)) return [];
  return childMaps(document, object.map, 'spec')
    .flatMap((spec) => childMaps(document, spec, 'template'))
    .flatMap((template) => childMaps(document, template, 'spec'));
}

function containerMaps(document: Document, spec: Located<YAMLMap>): Located<YAMLMap>[] {
  return mapValues(document, spec, 'containers')
    .filter((list): list is Located<YAMLSeq> => isSeq(list.node))
    .flatMap((list) => sequenceItems(document, list))
    .filter((item): item is Located<YAMLMap> => isMap(item.node));
}

/** The one list a key holds; undefined when absent, not a list of strings, or written twice (decoders disagree). */
function onlyStringList(document: Document, map: Located<YAMLMap>, key: string): { list?: Located<YAMLSeq>; values?: Argument[]; unreadable: boolean } {
  const readings = mapValues(document, map, key);
  if (readings.length === 0) return { unreadable: false };
  const list = readings[0];
  if (readings.length > 1 || !isSeq(list.node)) return { unreadable: true };
  const values: Argument[] = [];
  for (const [index, item] of list.node.items.entries()) {
    const node = resolveNode(document, item);
    const value = scalarString(node);
    if (!isScalar(node) || value === undefined) return { unreadable: true };
    values.push({ value, scalar: node, list: list as Located<YAMLSeq>, index });
  }
  return { list: list as Located<YAMLSeq>, values, unreadable: false };
}

function apiServerContainer(document: Document, container: Located<YAMLMap>): ApiServerContainer | undefined {
  const command = onlyStringList(document, container, 'command');
  const args = onlyStringList(document, container, 'args');
  if (command.unreadable || args.unreadable) return undefined;
  // The kubelet runs command + args; without a command, args[0] names the program here (an image whose entrypoint takes it).
  const argv = [...(command.values ?? []), ...(args.values ?? [])];
  const program = (command.values?.length ?? 0) > 0 ? command.values![0] : args.values?.[0];
  if (!program || program.value.split('/').pop() !== PROGRAM) return undefined;
  const flags = argv.filter((argument) => argument !== program);
  // kube-apiserver refuses to start without --etcd-servers: an invocation without it is not a server's
  // configuration (a wrapper, a fragment), and the pre-check needs the word to keep CRDs that mention
  // kube-apiserver in their descriptions out of the parser.
  if (!hasFlag(flags.map((flag) => flag.value), ETCD_SERVERS)) return undefined;
  return { kind: 'container', container, command: command.list, args: args.list, program, flags };
}

function kubeadmApiServer(document: Document, object: ManifestObject): KubeadmApiServer | undefined {
  const listForm = isObjectOf(object, KUBEADM_LIST_FORM_VERSION, ['ClusterConfiguration']);
  if (!listForm && !KUBEADM_MAP_FORM_VERSIONS.some((version) => isObjectOf(object, version, ['ClusterConfiguration']))) return undefined;
  const apiServers = childMaps(document, object.map, 'apiServer');
  if (apiServers.length > 1) return undefined;
  const [apiServer] = apiServers;
  const source: KubeadmApiServer = { kind: 'kubeadm', listForm, apiServer, entries: [] };
  if (!apiServer) return source;
  const extraArgs = mapValues(document, apiServer, 'extraArgs');
  if (extraArgs.length > 1) return undefined;
  const [value] = extraArgs;
  if (!value) return source;
  if (listForm ? !isSeq(value.node) : !isMap(value.node)) return undefined;
  source.extraArgs = value as Located<YAMLMap | YAMLSeq>;
  const entries = listForm ? listEntries(document, value as Located<YAMLSeq>) : mapEntries(document, value as Located<YAMLMap>);
  if (!entries) return undefined;
  source.entries = entries;
  return source;
}

function mapEntries(document: Document, map: Located<YAMLMap>): ExtraArg[] | undefined {
  const entries: ExtraArg[] = [];
  const seen = new Set<string>();
  for (const pair of map.node.items) {
    // A merge key would bring entries from elsewhere: not a layout anyone writes for kubeadm.
    const name = isMergeKey(pair.key) ? undefined : keyString(document, pair);
    if (name === undefined || seen.has(name)) return undefined;
    seen.add(name);
    const node = resolveNode(document, pair.value);
    const value = scalarString(node);
    if (!isScalar(node) || value === undefined) return undefined;
    entries.push({ name, value, scalar: node });
  }
  return entries;
}

function listEntries(document: Document, list: Located<YAMLSeq>): ExtraArg[] | undefined {
  const entries: ExtraArg[] = [];
  for (const item of sequenceItems(document, list)) {
    if (!isMap(item.node)) return undefined;
    const names = mapValues(document, item as Located<YAMLMap>, 'name');
    const values = mapValues(document, item as Located<YAMLMap>, 'value');
    if (names.length !== 1 || values.length !== 1) return undefined;
    const name = scalarString(names[0].node);
    const value = scalarString(values[0].node);
    if (name === undefined || value === undefined || !isScalar(values[0].node)) return undefined;
    entries.push({ name, value, scalar: values[0].node, item: item.node });
  }
  return entries;
}

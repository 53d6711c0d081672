// Which cluster a file belongs to (policy file key `clusters`): repositories that keep several clusters
// side by side link roles, bindings and Services only within each.
import { createGlobMatcher } from '../fileDiscovery';
import { ClusterDefinition } from './model';

type Matchers = { name: string; matches: (relativePath: string) => boolean }[];

/** Compiled per definitions object: settings are resolved per file, but their clusters rarely change. */
const compiled = new WeakMap<readonly ClusterDefinition[], Matchers>();

/**
 * The name of the first cluster whose globs match `relativePath` (relative to the policy file's
 * folder, `/`-separated; the `exclude` dialect, so a folder glob takes in everything below it), or
 * undefined: the file is in the default cluster.
 */
export function clusterNameOf(definitions: readonly ClusterDefinition[], relativePath: string): string | undefined {
  if (definitions.length === 0) return undefined;
  let matchers = compiled.get(definitions);
  if (matchers === undefined) {
    matchers = definitions.map((cluster) => ({ name: cluster.name, matches: createGlobMatcher(cluster.globs) }));
    compiled.set(definitions, matchers);
  }
  return matchers.find((cluster) => cluster.matches(relativePath))?.name;
}

/**
 * The workspace index's cluster key: `root` (a workspace folder, a policy file) alone for its default
 * cluster, with the name for a named one.
 */
export function clusterKey(root: string, name: string | undefined): string {
  return name === undefined ? root : JSON.stringify([root, name]);
}

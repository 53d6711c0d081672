// URI helpers. Editors and Node spell the same file URI differently (VS Code percent-encodes more
// characters than Node's pathToFileURL), so every map in the server is keyed by a canonical form.
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function isFileUri(uri: string): boolean {
  return uri.startsWith('file:');
}

/**
 * Remembers the last conversions: a scan converts each file's path and URI back and forth several times
 * (its settings, filters, cluster, open-file checks), and Node's URL parsing was a third of the main
 * thread's time in a corpus scan. Cleared when full, so it stays small in any workspace.
 */
class ConversionMemo<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly convert: (from: string) => T) {}

  get(from: string): T {
    let to = this.entries.get(from);
    if (to === undefined && !this.entries.has(from)) {
      if (this.entries.size >= MEMO_ENTRIES) this.entries.clear();
      to = this.convert(from);
      this.entries.set(from, to);
    }
    return to as T;
  }
}

const MEMO_ENTRIES = 2048;

const fsPaths = new ConversionMemo<string | undefined>((uri) => {
  if (!isFileUri(uri)) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
});
const fileUris = new ConversionMemo<string>((fsPath) => pathToFileURL(fsPath).href);

/** The file system path of a file: URI, or undefined for other schemes (untitled:, vscode-vfs:...). */
export function uriToFsPath(uri: string): string | undefined {
  return fsPaths.get(uri);
}

export function fsPathToUri(fsPath: string): string {
  return fileUris.get(fsPath);
}

/** One spelling per resource: file URIs round-trip through a path, others stay as they are. */
export function canonicalUri(uri: string): string {
  const fsPath = uriToFsPath(uri);
  return fsPath === undefined ? uri : fsPathToUri(fsPath);
}

/** Whether `child` is `parent` itself or inside it (both file system paths). */
export function isPathInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Forward-slash path relative to `root`, as glob matchers expect. */
export function relativeGlobPath(root: string, fsPath: string): string {
  return path.relative(root, fsPath).split(path.sep).join('/');
}

// URI helpers. Editors and Node spell the same file URI differently (VS Code percent-encodes more
// characters than Node's pathToFileURL), so every map in the server is keyed by a canonical form.
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function isFileUri(uri: string): boolean {
  return uri.startsWith('file:');
}

/** The file system path of a file: URI, or undefined for other schemes (untitled:, vscode-vfs:...). */
export function uriToFsPath(uri: string): string | undefined {
  if (!isFileUri(uri)) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function fsPathToUri(fsPath: string): string {
  return pathToFileURL(fsPath).href;
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

// The workspace folders the client told us about, and which folder a URI belongs to. Settings,
// the project config file and workspace scans are all per folder.
import { WorkspaceFolder } from 'vscode-languageserver/node';
import { canonicalUri, isPathInside, uriToFsPath } from './uris';

export interface Folder {
  /** Canonical URI (see uris.ts), also the key of every per-folder cache. */
  uri: string;
  name: string;
  /** Undefined for folders that are not on the local file system (virtual workspaces). */
  fsPath: string | undefined;
}

export class WorkspaceFolderList {
  private folders: Folder[] = [];

  replaceAll(folders: readonly WorkspaceFolder[]): void {
    this.folders = folders.map(toFolder);
  }

  add(folders: readonly WorkspaceFolder[]): void {
    for (const folder of folders.map(toFolder)) {
      if (!this.folders.some((known) => known.uri === folder.uri)) this.folders.push(folder);
    }
  }

  remove(folders: readonly WorkspaceFolder[]): Folder[] {
    const removedUris = new Set(folders.map((folder) => canonicalUri(folder.uri)));
    const removed = this.folders.filter((folder) => removedUris.has(folder.uri));
    this.folders = this.folders.filter((folder) => !removedUris.has(folder.uri));
    return removed;
  }

  all(): readonly Folder[] {
    return this.folders;
  }

  /** The innermost folder containing `uri` (nested folders are allowed in multi-root workspaces). */
  folderFor(uri: string): Folder | undefined {
    const fsPath = uriToFsPath(uri);
    if (fsPath === undefined) return undefined;
    let best: Folder | undefined;
    for (const folder of this.folders) {
      if (folder.fsPath === undefined || !isPathInside(folder.fsPath, fsPath)) continue;
      if (best?.fsPath === undefined || folder.fsPath.length > best.fsPath.length) best = folder;
    }
    return best;
  }
}

function toFolder(folder: WorkspaceFolder): Folder {
  return { uri: canonicalUri(folder.uri), name: folder.name, fsPath: uriToFsPath(folder.uri) };
}

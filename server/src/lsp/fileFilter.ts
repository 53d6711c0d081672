// Decides whether a file is ours to check under the effective settings: scope, excludes, and whether it
// looks like a manifest file at all. Shared by the workspace scan, file watching and open documents so
// the three never disagree about a file.
import * as path from 'node:path';
import { createExcludeMatcher, EffectiveSettings, excludeGlobsOfCheckedFolder, isCandidateFileName } from '../engine';
import { Folder } from './workspaceFolders';
import { relativeGlobPath, uriToFsPath } from './uris';

const MANIFEST_LANGUAGE_IDS = new Set(['yaml', 'json', 'jsonc', 'helm', 'dockercompose']);

export class FileFilter {
  /** Compiled matchers by their glob list; settings are re-resolved often but rarely change. */
  private readonly matchers = new Map<string, (relativePath: string) => boolean>();

  /** Excluded by the user's globs or the always-excluded folders (node_modules, .git, vendor). */
  isExcluded(folder: Folder | undefined, uri: string, settings: EffectiveSettings): boolean {
    const fsPath = uriToFsPath(uri);
    if (folder?.fsPath === undefined || fsPath === undefined) return false;
    const relativePath = relativeGlobPath(folder.fsPath, fsPath);
    return this.matcherFor(excludeGlobsOfCheckedFolder(settings))(relativePath);
  }

  /** Open documents: trust the editor's language id, else fall back to the file name. */
  isManifestDocument(uri: string, languageId: string): boolean {
    if (MANIFEST_LANGUAGE_IDS.has(languageId)) return true;
    const fsPath = uriToFsPath(uri);
    return fsPath !== undefined && isCandidateFileName(fsPath);
  }

  isCandidateFile(uri: string): boolean {
    const fsPath = uriToFsPath(uri);
    return fsPath !== undefined && isCandidateFileName(path.basename(fsPath));
  }

  private matcherFor(globs: readonly string[]): (relativePath: string) => boolean {
    const key = JSON.stringify(globs);
    let matcher = this.matchers.get(key);
    if (matcher === undefined) {
      matcher = createExcludeMatcher([...globs]);
      this.matchers.set(key, matcher);
    }
    return matcher;
  }
}

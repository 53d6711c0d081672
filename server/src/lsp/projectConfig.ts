// The project policy file `.kube-mitm-guard.yaml` at each workspace folder root. Its problems are
// published as diagnostics on the file itself and logged, and never stop the rest of the file
// (or the other folders) from applying.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Diagnostic, DiagnosticSeverity, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CONFIG_FILE_NAME, GuardSettings, MAX_CONFIG_BYTES, parseProjectConfig } from '../engine';
import { toDiagnosticSeverity } from './diagnostics';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { Logger } from './logger';
import { DIAGNOSTIC_SOURCE } from './protocol';
import { Folder, WorkspaceFolderList } from './workspaceFolders';
import { fsPathToUri, uriToFsPath } from './uris';

interface LoadedConfig {
  settings: Partial<GuardSettings>;
  /** Problem messages already logged, so editing the file does not repeat them on every keystroke. */
  loggedProblems: string;
}

export class ProjectConfigStore {
  private readonly loaded = new Map<string, LoadedConfig>();
  /** Config files on disk ignored for their size (uri → bytes), reported as a diagnostic on the file. */
  private readonly oversized = new Map<string, number>();

  constructor(
    private readonly folders: WorkspaceFolderList,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly publisher: DiagnosticsPublisher,
    private readonly logger: Logger,
  ) {}

  configUriFor(folder: Folder): string | undefined {
    return folder.fsPath === undefined ? undefined : fsPathToUri(path.join(folder.fsPath, CONFIG_FILE_NAME));
  }

  /** The folder whose project config file `uri` is, if it is one. */
  folderOfConfigFile(uri: string): Folder | undefined {
    const fsPath = uriToFsPath(uri);
    if (fsPath === undefined || path.basename(fsPath) !== CONFIG_FILE_NAME) return undefined;
    return this.folders.all().find((folder) => folder.fsPath !== undefined && path.dirname(fsPath) === folder.fsPath);
  }

  settingsFor(folder: Folder | undefined): Partial<GuardSettings> {
    return (folder && this.loaded.get(folder.uri)?.settings) ?? {};
  }

  /** The config file's current text: the open editor buffer when there is one, else the disk. */
  async currentText(folder: Folder): Promise<string | undefined> {
    const uri = this.configUriFor(folder);
    if (uri === undefined) return undefined;
    const open = this.openDocument(uri);
    if (open !== undefined) return open.getText();
    return this.readFromDisk(uri);
  }

  /** Re-reads and re-validates the folder's config file. */
  async reload(folder: Folder): Promise<void> {
    const uri = this.configUriFor(folder);
    if (uri === undefined) return;
    const text = await this.currentText(folder);
    if (text === undefined) {
      this.loaded.delete(folder.uri);
      const size = this.oversized.get(uri);
      if (size === undefined) this.publisher.clear(uri);
      // Too large to be a policy file: say so on the file itself; the defaults (and settings) apply.
      else this.publisher.publish(uri, 'config', [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Error, source: DIAGNOSTIC_SOURCE, message: `This ${CONFIG_FILE_NAME} is ${size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit for a policy file: it is ignored and the defaults apply.` }]);
      return;
    }
    let parsed: ReturnType<typeof parseProjectConfig>;
    try {
      parsed = parseProjectConfig(text);
    } catch (error) {
      // The parser is meant never to throw; if it does, run with defaults rather than stop.
      this.logger.error(`Could not read ${CONFIG_FILE_NAME} in ${folder.name}: ${String(error)}`);
      parsed = { settings: {}, problems: [] };
    }
    const diagnostics: Diagnostic[] = parsed.problems.map((problem) => ({
      range: problem.range,
      severity: toDiagnosticSeverity(problem.severity),
      source: DIAGNOSTIC_SOURCE,
      message: problem.message,
    }));
    const problemLines = parsed.problems
      .map((problem) => `${uriToFsPath(uri)}:${problem.range.start.line + 1}:${problem.range.start.character + 1}: ${problem.message}`)
      .join('\n');
    if (problemLines !== '' && problemLines !== this.loaded.get(folder.uri)?.loggedProblems) {
      this.logger.warn(`Problems in ${CONFIG_FILE_NAME} (the rest of the file still applies):\n${problemLines}`);
    }
    this.loaded.set(folder.uri, { settings: parsed.settings, loggedProblems: problemLines });
    const version = this.openDocument(uri)?.version;
    this.publisher.publish(this.openDocument(uri)?.uri ?? uri, 'config', diagnostics, version);
  }

  forget(folder: Folder): void {
    this.loaded.delete(folder.uri);
    const uri = this.configUriFor(folder);
    if (uri !== undefined) this.publisher.clear(uri);
  }

  /** The config file's editor buffer, when it is open. */
  openDocumentFor(folder: Folder): TextDocument | undefined {
    const uri = this.configUriFor(folder);
    return uri === undefined ? undefined : this.openDocument(uri);
  }

  private openDocument(uri: string): TextDocument | undefined {
    return this.documents.all().find((document) => uriToFsPath(document.uri) === uriToFsPath(uri));
  }

  private async readFromDisk(uri: string): Promise<string | undefined> {
    const fsPath = uriToFsPath(uri);
    if (fsPath === undefined) return undefined;
    this.oversized.delete(uri);
    try {
      const stat = await fs.stat(fsPath);
      if (!stat.isFile()) return undefined;
      if (stat.size > MAX_CONFIG_BYTES) {
        this.logger.warn(`Ignoring ${fsPath}: ${stat.size} bytes is too large for a ${CONFIG_FILE_NAME}.`);
        this.oversized.set(uri, stat.size);
        return undefined;
      }
      return await fs.readFile(fsPath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.logger.warn(`Could not read ${fsPath}: ${String(error)}`);
      return undefined;
    }
  }
}

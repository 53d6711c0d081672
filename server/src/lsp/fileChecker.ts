// Checks one file — an open editor buffer or a file on disk — and publishes its diagnostics. Open
// documents always win over disk: their unsaved text is what the user sees. Analysis results of open
// documents are cached by version and settings generation so code actions and re-validations do not
// re-analyse an unchanged buffer, and per YAML document so an edit re-analyses only the document it changes.
import * as path from 'node:path';
import { TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  AnalysisCache,
  AnalysisResult,
  analyzeText,
  clusterKey,
  clusterNameOf,
  CONFIG_FILE_NAME,
  EngineOptions,
  FileContext,
  fileContextOf,
  LOSSY_READS,
} from '../engine';
import { FileFilter } from './fileFilter';
import { FileAnalyzer, IN_PROCESS_ANALYZER } from './scanPool';
import { describeError, Logger } from './logger';
import { ResolvedSettings, SettingsStore } from './settingsStore';
import { canonicalUri, relativeGlobPath, uriToFsPath } from './uris';
import { WorkspaceLinker } from './workspaceLinker';

export type DiskCheckOutcome = 'checked' | 'skipped' | 'not-ours' | 'open';

/**
 * Per open document: its last analysis (valid for one version and settings generation) and the
 * analyses of its YAML documents, so an edit re-analyses only the one it changes.
 */
interface OpenDocumentCache {
  chunks: AnalysisCache;
  last?: { version: number; generation: number; result: AnalysisResult; file: FileContext };
}

export interface DocumentAnalysis {
  document: TextDocument;
  resolved: ResolvedSettings;
  options: EngineOptions;
  result: AnalysisResult;
  /** What the document's place tells the engine (a Helm chart's values file). */
  file: FileContext;
  /** The analyses of the document's YAML documents and List items: a quick fix starts from the finding's item. */
  chunks: AnalysisCache;
}

export class FileChecker {
  private readonly cache = new Map<string, OpenDocumentCache>();
  /** Open documents already reported as too large, so typing in one does not flood the log. */
  private readonly loggedOversized = new Set<string>();

  constructor(
    private readonly documents: TextDocuments<TextDocument>,
    private readonly settings: SettingsStore,
    private readonly filter: FileFilter,
    private readonly linker: WorkspaceLinker,
    private readonly logger: Logger,
  ) {}

  /** Lints an open document and publishes its diagnostics (tagged with the document version). */
  async checkDocument(document: TextDocument): Promise<void> {
    try {
      const analysis = await this.analyzeDocument(document);
      // The document changed or closed while settings were being fetched: a newer check will follow.
      if (this.documents.get(document.uri)?.version !== document.version) return;
      if (analysis === undefined) {
        this.linker.clear(document.uri);
        return;
      }
      const { result, options, resolved } = analysis;
      this.linker.publish(document.uri, 'document', result.findings, result.facts, options, clusterOf(resolved, document.uri), document.version);
    } catch (error) {
      this.logger.error(`Could not check ${document.uri}: ${describeError(error)}`);
    }
  }

  /**
   * The analysis of an open document under its current settings (cached by version), or undefined when
   * the document is not ours to check (scope off, excluded, not YAML/JSON, too large).
   */
  async analyzeDocument(document: TextDocument): Promise<DocumentAnalysis | undefined> {
    const resolved = await this.settings.resolve(document.uri);
    const { settings, folder } = resolved;
    if (settings.scope === 'off') return undefined;
    if (!this.filter.isManifestDocument(document.uri, document.languageId)) return undefined;
    if (this.filter.isExcluded(folder, document.uri, settings)) return undefined;
    const key = canonicalUri(document.uri);
    const text = document.getText();
    if (text.length > settings.maxFileSizeKB * 1024) {
      if (!this.loggedOversized.has(key)) {
        this.logger.info(`Skipped ${document.uri}: larger than kubeMitmGuard.maxFileSizeKB (${settings.maxFileSizeKB} KB).`);
        this.loggedOversized.add(key);
      }
      return undefined;
    }
    this.loggedOversized.delete(key);
    const options = engineOptionsFor(resolved);
    let cached = this.cache.get(key);
    if (cached?.last?.version === document.version && cached.last.generation === resolved.generation) {
      return { document, resolved, options, result: cached.last.result, file: cached.last.file, chunks: cached.chunks };
    }
    if (cached === undefined) {
      cached = { chunks: new AnalysisCache() };
      this.cache.set(key, cached);
    }
    const fsPath = uriToFsPath(document.uri);
    const file = fileContextOf(fsPath, text);
    const result = analyzeText(text, options, cached.chunks, file);
    cached.last = { version: document.version, generation: resolved.generation, result, file };
    return { document, resolved, options, result, file, chunks: cached.chunks };
  }

  /** Lints a file that is not open, reading it from disk. Never throws. */
  async checkDiskFile(uri: string): Promise<DiskCheckOutcome> {
    const publish = await this.analyzeDiskFile(uri, IN_PROCESS_ANALYZER);
    return publish();
  }

  /**
   * Reads and analyses a file that is not open (with `analyzer`: the scan passes its worker pool) and
   * returns what publishes the result, so a scan can analyse several files at once and still publish
   * in file order. Publishing checks again that the file was not opened meanwhile. Never throws.
   */
  async analyzeDiskFile(uri: string, analyzer: FileAnalyzer): Promise<() => DiskCheckOutcome> {
    try {
      if (this.isOpen(uri)) return () => 'open';
      const fsPath = uriToFsPath(uri);
      // Policy files carry their own diagnostics (see projectConfig.ts); leave those alone.
      if (fsPath === undefined || path.basename(fsPath) === CONFIG_FILE_NAME) return () => 'not-ours';
      const resolved = await this.settings.resolve(uri);
      const { settings, folder } = resolved;
      if (
        settings.scope !== 'workspace' ||
        folder === undefined ||
        !this.filter.isCandidateFile(uri) ||
        this.filter.isExcluded(folder, uri, settings)
      ) {
        return () => {
          this.linker.clear(uri);
          return 'not-ours';
        };
      }
      const options = engineOptionsFor(resolved);
      const analysis = await analyzer.analyze(fsPath, settings.maxFileSizeKB * 1024, options);
      return () => {
        // Opened while we were reading: the buffer is the truth now.
        if (this.isOpen(uri)) return 'open';
        if ('skipped' in analysis) {
          this.logger.info(`Skipped ${fsPath}: ${analysis.skipped}`);
          this.linker.clear(uri);
          return 'skipped';
        }
        if (analysis.lossy) this.logger.info(`Read ${fsPath} ${LOSSY_READS[analysis.lossy]}, as kubectl reads it.`);
        this.linker.publish(uri, 'disk', analysis.findings, analysis.facts, options, clusterOf(resolved, uri));
        return 'checked';
      };
    } catch (error) {
      return () => {
        this.logger.error(`Could not check ${uri}: ${describeError(error)}`);
        this.linker.clear(uri);
        return 'skipped';
      };
    }
  }

  forgetDocument(uri: string): void {
    this.cache.delete(canonicalUri(uri));
    this.loggedOversized.delete(canonicalUri(uri));
  }

  isOpen(uri: string): boolean {
    const open = this.documents.all();
    if (open.length === 0) return false;
    const key = canonicalUri(uri);
    return open.some((document) => canonicalUri(document.uri) === key);
  }
}

/**
 * The cluster a file is linked in: a named cluster of the folder's policy file (`clusters`, globs
 * relative to the folder root, where the file is) that takes it in, else the folder's default cluster.
 * Open files outside every folder form one more.
 */
function clusterOf(resolved: ResolvedSettings, uri: string): string {
  const { folder, settings } = resolved;
  if (folder === undefined) return '';
  const fsPath = uriToFsPath(uri);
  const name = folder.fsPath === undefined || fsPath === undefined ? undefined : clusterNameOf(settings.clusters.definitions, relativeGlobPath(folder.fsPath, fsPath));
  return clusterKey(folder.uri, name);
}

export function engineOptionsFor(resolved: ResolvedSettings): EngineOptions {
  return resolved.settings.engine;
}

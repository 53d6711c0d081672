// Quick fixes and fix-all, built from the diagnostics' `data` (finding key + document version), never
// from message text. Every fix comes from the engine, which re-computes it against the current text.
import {
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  CreateFile,
  Diagnostic,
  OptionalVersionedTextDocumentIdentifier,
  TextDocumentEdit,
  TextDocuments,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { addAllowedCidr, AllowListFix, Fix, fixAll, fixesForFinding, linkedFindingFixes, TextFix } from '../engine';
import { isFindingDiagnosticData } from './diagnostics';
import { DocumentAnalysis, FileChecker } from './fileChecker';
import { describeError, Logger } from './logger';
import { ProjectConfigStore } from './projectConfig';
import { WorkspaceLinker } from './workspaceLinker';
import { DIAGNOSTIC_SOURCE, FIX_ALL_CODE_ACTION_KIND } from './protocol';

export interface WorkspaceEditSupport {
  /** Client accepts `documentChanges` (versioned edits: stale edits are rejected by the editor). */
  documentChanges: boolean;
  /** Client accepts CreateFile resource operations. */
  createFiles: boolean;
}

export class CodeActionProvider {
  constructor(
    private readonly documents: TextDocuments<TextDocument>,
    private readonly checker: FileChecker,
    private readonly projectConfigs: ProjectConfigStore,
    private readonly linker: WorkspaceLinker,
    private readonly editSupport: WorkspaceEditSupport,
    private readonly logger: Logger,
  ) {}

  async provide(params: CodeActionParams): Promise<CodeAction[]> {
    const document = this.documents.get(params.textDocument.uri);
    if (document === undefined) return [];
    try {
      const analysis = await this.checker.analyzeDocument(document);
      if (analysis === undefined || this.documents.get(document.uri)?.version !== document.version) return [];
      const only = params.context.only;
      const actions: CodeAction[] = [];
      if (wants(only, CodeActionKind.QuickFix)) actions.push(...(await this.quickFixes(analysis, params.context.diagnostics)));
      if (only !== undefined && wants(only, FIX_ALL_CODE_ACTION_KIND)) {
        const fixAllAction = this.fixAllAction(analysis);
        if (fixAllAction !== undefined) actions.push(fixAllAction);
      }
      return actions;
    } catch (error) {
      this.logger.error(`Code actions failed for ${document.uri}: ${describeError(error)}`);
      return [];
    }
  }

  private async quickFixes(analysis: DocumentAnalysis, diagnostics: readonly Diagnostic[]): Promise<CodeAction[]> {
    const { document, options, result } = analysis;
    const actions: CodeAction[] = [];
    const offered = new Set<string>();
    const knownKeys = new Set(result.findings.map((finding) => finding.key));
    for (const diagnostic of diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE || !isFindingDiagnosticData(diagnostic.data)) continue;
      // The diagnostic was computed for another version of the text: its finding key may now point at
      // something else, so refuse rather than risk editing the wrong line.
      if (diagnostic.data.version !== document.version) continue;
      const fixes = knownKeys.has(diagnostic.data.key)
        ? fixesForFinding(document.getText(), options, diagnostic.data.key, analysis.chunks)
        : this.linkedFixes(analysis, diagnostic.data.key);
      for (const fix of fixes) {
        const edit = fix.kind === 'allow-external-ip' ? await this.allowListEdit(analysis, fix) : this.textFixEdit(document, fix);
        if (edit === undefined) continue;
        // Several diagnostics on one line share e.g. the same suppress-comment fix: offer it once.
        const identity = `${fix.title}\u0000${JSON.stringify(edit)}`;
        if (offered.has(identity)) continue;
        offered.add(identity);
        actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.isPreferred || undefined, edit });
      }
    }
    return actions;
  }

  /** A finding of the link phase (only when the last link saw this version of the text) can be suppressed. */
  private linkedFixes(analysis: DocumentAnalysis, findingKey: string): Fix[] {
    const finding = this.linker.linkedFinding(analysis.document.uri, analysis.document.version, findingKey);
    return finding ? linkedFindingFixes(analysis.document.getText(), analysis.options, finding, analysis.file) : [];
  }

  private fixAllAction(analysis: DocumentAnalysis): CodeAction | undefined {
    const { edits, fixedCount } = fixAll(analysis.document.getText(), analysis.options);
    if (fixedCount === 0 || edits.length === 0) return undefined;
    return {
      title: `Fix all kube-mitm-guard problems (${fixedCount})`,
      kind: FIX_ALL_CODE_ACTION_KIND,
      edit: this.documentEdit(analysis.document.uri, analysis.document.version, edits),
    };
  }

  private textFixEdit(document: TextDocument, fix: TextFix): WorkspaceEdit {
    return this.documentEdit(document.uri, document.version, fix.edits);
  }

  /** Adds the IP to the folder's `.kube-mitm-guard.yaml`, creating the file when it does not exist. */
  private async allowListEdit(analysis: DocumentAnalysis, fix: AllowListFix): Promise<WorkspaceEdit | undefined> {
    const folder = analysis.resolved.folder;
    const configUri = folder && this.projectConfigs.configUriFor(folder);
    if (folder === undefined || configUri === undefined) return undefined; // no folder, no place for the file
    const current = await this.projectConfigs.currentText(folder);
    const newText = addAllowedCidr(current, fix.cidr);
    if (current === undefined) {
      const insert = TextEdit.insert({ line: 0, character: 0 }, newText);
      if (this.editSupport.documentChanges && this.editSupport.createFiles) {
        return {
          documentChanges: [
            CreateFile.create(configUri, { ignoreIfExists: true }),
            TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(configUri, null), [insert]),
          ],
        };
      }
      return { changes: { [configUri]: [insert] } };
    }
    const open = this.projectConfigs.openDocumentFor(folder);
    const whole = TextDocument.create(configUri, 'yaml', 0, current);
    const replaceAll = TextEdit.replace({ start: { line: 0, character: 0 }, end: whole.positionAt(current.length) }, newText);
    return this.documentEdit(open?.uri ?? configUri, open?.version ?? null, [replaceAll]);
  }

  private documentEdit(uri: string, version: number | null, edits: TextEdit[]): WorkspaceEdit {
    if (this.editSupport.documentChanges) {
      return { documentChanges: [TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(uri, version), edits)] };
    }
    return { changes: { [uri]: edits } };
  }
}

/** Code action kinds are hierarchical: asking for `source` includes `source.fixAll.kubeMitmGuard`. */
function wants(only: readonly string[] | undefined, kind: string): boolean {
  if (only === undefined) return true;
  return only.some((requested) => requested === '' || kind === requested || kind.startsWith(`${requested}.`));
}

// Hovers on linked RBAC findings: on a subject a binding hands the grant to, or on a rule (or an
// aggregationRule) that grants it, the whole path from subject to rule. It reads what the last link
// recorded, so a hover costs no parsing and shows what the diagnostics say; elsewhere there is none.
import { Hover, HoverParams, MarkupKind, Position, Range, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { pathMarkdown } from './pathMarkdown';
import { WorkspaceLinker } from './workspaceLinker';

export class HoverProvider {
  constructor(
    private readonly documents: TextDocuments<TextDocument>,
    private readonly linker: WorkspaceLinker,
  ) {}

  provide(params: HoverParams): Hover | null {
    const { uri } = params.textDocument;
    const linked = this.linker.linkedPaths(uri, this.documents.get(uri)?.version);
    const here = linked?.paths.filter((path) => contains(path.target, params.position)) ?? [];
    if (linked === undefined || here.length === 0) return null;
    const files = { uriOf: this.linker.uriOf, folder: linked.cluster };
    return {
      contents: { kind: MarkupKind.Markdown, value: here.map((path) => pathMarkdown(path, files)).join('\n\n---\n\n') },
      range: here[0].target,
    };
  }
}

/** Whether `position` is on a character of `range` (its end is exclusive). */
function contains(range: Range, position: Position): boolean {
  const afterStart = position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character);
  const beforeEnd = position.line < range.end.line || (position.line === range.end.line && position.character < range.end.character);
  return afterStart && beforeEnd;
}

// Links texts as one workspace through the path the CLI and the language server take: analyzeText on
// each, WorkspaceIndex over their facts, applyLink on each file's findings.
import { analyzeText, applyLink, EngineOptions, Finding, WorkspaceIndex } from '../../server/src/engine';
import { WITHOUT_DEPRECATION_HINT } from './engine';

export const BASE_OPTIONS: EngineOptions = { allowedCidrs: [], rules: WITHOUT_DEPRECATION_HINT };

/** Checks `files` (name → text) as one workspace and returns each file's findings after linking. */
export function linkFiles(files: Record<string, string>, options: Partial<EngineOptions> = {}): Record<string, Finding[]> {
  const engineOptions = { ...BASE_OPTIONS, ...options };
  const index = new WorkspaceIndex();
  const local: Record<string, Finding[]> = {};
  for (const [name, text] of Object.entries(files)) {
    const result = analyzeText(text, engineOptions);
    local[name] = result.findings;
    index.set(name, result.facts, engineOptions);
  }
  const links = index.link();
  return Object.fromEntries(Object.entries(local).map(([name, findings]) => [name, applyLink(findings, links.get(name))]));
}

// The engine's facade: text in, findings and fixes out. The language server and the CLI use only this.
export * from './types';
export { AnalysisCache, analyzeText } from './analyze';
export { fixesForFinding, fixAll } from './fixes/fixes';
export { applyEdits } from './textEdits';

import { EngineOptions, Fix, TextEdit } from '../types';

/** The verified fixes for the finding with `findingKey` in `text` (empty when it no longer exists). */
export function fixesForFinding(text: string, options: EngineOptions, findingKey: string): Fix[] {
  void text;
  void options;
  void findingKey;
  return [];
}

/** Applies every fix-all fix to `text`; returns the minimal edits and how many findings they fixed. */
export function fixAll(text: string, options: EngineOptions): { edits: TextEdit[]; fixedCount: number } {
  void text;
  void options;
  return { edits: [], fixedCount: 0 };
}

// What the CLI and the server tell the analysis about a file from where it is written (analyze.ts FileContext).
import * as path from 'node:path';
import { FileContext } from './analyze';
import { isHelmValuesFile } from './helm/chartFiles';
import { isKustomizationFileName } from './patches/patchFiles';

/** The context of the file at `fsPath` (none for a text that is no file on disk). */
export function fileContextOf(fsPath: string | undefined): FileContext {
  if (fsPath === undefined) return {};
  return { helmValues: isHelmValuesFile(fsPath), kustomization: isKustomizationFileName(path.basename(fsPath)) };
}

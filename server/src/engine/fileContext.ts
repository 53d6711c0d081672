// What the CLI and the server tell the analysis about a file from where it is written (analyze.ts FileContext).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileContext, mayHoldPatchTarget } from './analyze';
import { isHelmValuesFile } from './helm/chartFiles';
import { isKustomizationFileName, KUSTOMIZATION_FILE_NAMES } from './patches/patchFiles';

/** The context of the file at `fsPath` whose text is `text` (none for a text that is no file on disk). */
export function fileContextOf(fsPath: string | undefined, text: string): FileContext {
  if (fsPath === undefined) return {};
  const kustomization = isKustomizationFileName(path.basename(fsPath));
  // The folder is looked at only for a text that holds an object a patch could target.
  const kustomizeResource = !kustomization && mayHoldPatchTarget(text) && hasKustomization(path.dirname(fsPath));
  return { helmValues: isHelmValuesFile(fsPath), kustomization, kustomizeResource };
}

/** Whether `folder` holds a kustomization (kustomize's load restrictor keeps a kustomization's resource files in or below its folder; most are beside it). */
function hasKustomization(folder: string): boolean {
  return KUSTOMIZATION_FILE_NAMES.some((name) => {
    try {
      return fs.statSync(path.join(folder, name)).isFile();
    } catch {
      return false;
    }
  });
}

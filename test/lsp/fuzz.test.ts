// Fuzzing the language server (issue 6): seeded mutations of real manifests opened and changed in the
// bundled server, with quick-fix and fix-all code action requests for each version and the fix-all
// result sent back as the next change. The server must never exit, answer every request within its
// bound, log no unhandled error, and still check the good file at the end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodeAction, Diagnostic } from 'vscode-languageserver-protocol/node';
import { caseSeed, mutatedCase, seedManifests } from '../support/fuzz';
import { FUZZ_SEED, LONG_FUZZ } from '../support/fuzzRunner';
import { applyWorkspaceEdit, fileUri } from './lspTestClient';
import { useServerWithOneFinding } from './serverFixture';
import { SERVICE_WITH_EXTERNAL_IP } from './workspaceFixtures';

const DOCUMENTS = LONG_FUZZ ? 5_000 : 300;
const REQUEST_BOUND_MS = 10_000;

function within<T>(promise: Promise<T>, what: string, ms = REQUEST_BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('language server fuzzing: never exits, keeps answering', { timeout: LONG_FUZZ ? Infinity : 120_000 }, () => {
  const server = useServerWithOneFinding();

  it(`${DOCUMENTS} mutated documents through didOpen/didChange and code actions (seed ${FUZZ_SEED})`, async () => {
    const seeds = seedManifests(LONG_FUZZ ? 200 : 10);
    const opened = new Set<string>();
    let actionsOffered = 0;
    for (let index = 0; index < DOCUMENTS; index++) {
      const mutated = mutatedCase(caseSeed(FUZZ_SEED ^ 0x15b, index), seeds);
      const label = `seed ${mutated.seed} (${mutated.base} with ${mutated.mutations.join(', ')})`;
      const file = server.workspace.path(`fuzz-${index % 4}.${index % 7 === 0 ? 'json' : 'yaml'}`);
      const document = opened.has(file) ? await server.client.changeDocument(file, mutated.text) : await server.client.openDocument(file, mutated.text);
      opened.add(file);
      const uri = fileUri(file);
      const whole = { start: { line: 0, character: 0 }, end: document.positionAt(mutated.text.length) };
      // Diagnostics for this version when they are already there; stale or missing ones are fine too.
      const diagnostics: Diagnostic[] = (server.client.diagnostics.get(uri) ?? []).filter((diagnostic) => (diagnostic.data as { version?: number } | undefined)?.version === document.version);
      const quickFixes = await within(server.client.codeActions(file, whole, diagnostics, ['quickfix']), `quick fixes for ${label}`);
      const [fixAll] = await within(server.client.codeActions(file, whole, [], ['source.fixAll']), `fix-all for ${label}`);
      actionsOffered += quickFixes.length + (fixAll ? 1 : 0);
      if (fixAll?.edit) {
        const fixed = applyWorkspaceEdit(fixAll.edit, { [uri]: mutated.text })[uri];
        await server.client.changeDocument(file, fixed);
      }
      if (index % 10 === 9) await server.client.closeDocument(file).then(() => opened.delete(file));
    }
    // Still alive and still right: a rescan answers and the good file keeps its finding.
    const rescan = await within(server.client.request<{ cancelled: boolean }>('kubeMitmGuard/rescanWorkspace'), 'rescan after fuzzing', 30_000);
    assert.equal(rescan.cancelled, false);
    assert.equal(server.client.diagnostics.get(fileUri(server.workspace.path('good.yaml')))?.length, 1);
    const good = server.workspace.path('good.yaml');
    await server.client.openDocument(good, SERVICE_WITH_EXTERNAL_IP);
    const [diagnostic] = await server.client.waitForDiagnostics(good, (list) => list.length === 1 && (list[0].data as { version: number }).version === 1);
    const actions: CodeAction[] = await within(server.client.codeActions(good, diagnostic.range, [diagnostic], ['quickfix']), 'quick fixes after fuzzing');
    assert.ok(actions.some((action) => action.title === 'Remove this external IP'));
    assert.ok(actionsOffered > DOCUMENTS / 10, `only ${actionsOffered} code actions offered over ${DOCUMENTS} documents`);
    assert.equal(server.client.serverStderr(), '', 'nothing on stderr');
    assert.ok(!server.client.logs.some((line) => /Unhandled|Uncaught|Could not check|Code actions failed/.test(line)), server.client.logs.filter((line) => /Unhandled|Uncaught|Could not|failed/.test(line)).join('\n'));
  });
});

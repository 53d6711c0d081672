// The workspace scan reads and analyses files on worker threads (dist/scanWorker.js) and publishes in
// file order; without workers (KUBE_MITM_GUARD_SCAN_WORKERS=0) it does the same on the main thread. Both
// must publish exactly the same diagnostics, in the same order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { RescanResult } from '../../server/src/lsp/protocol';
import { LspTestClient, fileUri } from './lspTestClient';
import { SERVICE_WITH_EXTERNAL_IP, SERVICE_WITH_LOADBALANCER_STATUS, TempWorkspace } from './workspaceFixtures';

const RESCAN = 'kubeMitmGuard/rescanWorkspace';

describe('language server: workspace scan on worker threads', () => {
  let workspace: TempWorkspace;

  before(() => {
    workspace = new TempWorkspace();
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n';
    for (let index = 0; index < 60; index++) {
      const documents = [configMap, SERVICE_WITH_EXTERNAL_IP.replace('1.2.3.4', `10.1.0.${index + 1}`), configMap];
      if (index % 3 === 0) documents.push(SERVICE_WITH_LOADBALANCER_STATUS);
      workspace.write(`apps/app${index % 7}/m${index}.yaml`, index % 5 === 0 ? configMap : documents.join('---\n'));
    }
    workspace.write('big.yaml', `${configMap}---\n`.repeat(20_000) + SERVICE_WITH_EXTERNAL_IP);
    workspace.write('binary.yaml', Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
    workspace.write('broken.yaml', 'apiVersion: v1\nkind: Service\nspec: {externalIPs: [1.2.3.4\n');
  });

  after(() => workspace?.dispose());

  async function scanWith(workers: string): Promise<{ client: LspTestClient; order: string[]; result: RescanResult }> {
    const client = await LspTestClient.start({ folders: [workspace.root], env: { KUBE_MITM_GUARD_SCAN_WORKERS: workers } });
    await client.waitForScans(1, 60_000);
    const before = client.diagnostics.size;
    assert.ok(before > 40);
    const result = await client.request<RescanResult>(RESCAN);
    const order = [...client.diagnostics.entries()].filter(([, list]) => list.length > 0).map(([uri]) => uri);
    return { client, order, result };
  }

  it('publishes the same diagnostics with and without workers', async () => {
    const threaded = await scanWith('2');
    const inProcess = await scanWith('0');
    try {
      assert.ok(threaded.client.logs.some((line) => /on 2 worker thread\(s\)/.test(line)), 'the scan ran on workers');
      assert.ok(!inProcess.client.logs.some((line) => /worker thread/.test(line)), 'the scan ran on the main thread');
      assert.deepEqual(threaded.result, inProcess.result);
      assert.equal(threaded.result.filesScanned, 62);
      assert.equal(threaded.result.filesSkipped, 1, 'binary.yaml');
      assert.deepEqual(threaded.order, inProcess.order, 'same files, published in the same order');
      for (const uri of inProcess.order) assert.deepEqual(threaded.client.diagnostics.get(uri), inProcess.client.diagnostics.get(uri), uri);
      assert.equal(threaded.client.diagnostics.get(fileUri(workspace.path('big.yaml')))?.length, 1);
      assert.equal(threaded.client.serverStderr(), '');
    } finally {
      await threaded.client.dispose();
      await inProcess.client.dispose();
    }
  });

  /** OS threads of a process (Linux): each worker thread adds at least one. */
  const threadCount = (pid: number): number => fs.readdirSync(`/proc/${pid}/task`).length;
  /** The nice value of a thread: field 19 of its stat line (counted after the command name's `)`). */
  const niceOf = (pid: number, threadId: string | number): number => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${threadId}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  };

  it('keeps the workers for the next scan, ends them on shutdown, and the server exits promptly', async () => {
    const client = await LspTestClient.start({ folders: [workspace.root], env: { KUBE_MITM_GUARD_SCAN_WORKERS: '2' } });
    try {
      await client.waitForScans(1, 60_000);
      const pid = client.pid!;
      const withWorkers = threadCount(pid);
      // The workers run nicer than the main thread (which answers requests); every other thread keeps its priority.
      const mainNice = niceOf(pid, pid);
      const nices = fs.readdirSync(`/proc/${pid}/task`).map((threadId) => niceOf(pid, threadId));
      assert.equal(nices.filter((nice) => nice === Math.min(19, mainNice + 5)).length, 2, `nice values: ${nices.join(' ')}`);
      assert.equal(nices.filter((nice) => nice === mainNice).length, nices.length - 2);
      await client.request<RescanResult>(RESCAN);
      assert.ok(client.logs.some((line) => /on 2 worker thread\(s\), kept from the last scan/.test(line)), client.logs.join('\n'));
      assert.equal(threadCount(pid), withWorkers, 'no new workers for the second scan');
      // A scan is running when the editor shuts the server down: the workers end with the shutdown request.
      void client.request<RescanResult>(RESCAN).catch(() => undefined);
      await client.request('shutdown');
      await waitUntil(() => threadCount(pid) <= withWorkers - 2, 5_000, `the scan workers to end (threads: ${withWorkers} with them)`);
      await assertExitsPromptly(client);
    } finally {
      await client.dispose();
    }
  });

  it('idle workers never keep the server alive: exit without shutdown ends it at once', async () => {
    const client = await LspTestClient.start({ folders: [workspace.root], env: { KUBE_MITM_GUARD_SCAN_WORKERS: '2' } });
    try {
      await client.waitForScans(1, 60_000);
      await assertExitsPromptly(client);
    } finally {
      await client.dispose();
    }
  });
});

/** `exit` ends the server process within 2 s. */
async function assertExitsPromptly(client: LspTestClient): Promise<void> {
  const exitRequested = Date.now();
  await client.notify('exit');
  await client.waitForExit(2_000);
  assert.ok(Date.now() - exitRequested < 2_000);
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

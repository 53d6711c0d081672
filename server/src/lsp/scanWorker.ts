// Entry point of dist/scanWorker.js: a worker thread of the workspace scan (see scanPool.ts). Reads and
// analyses one file per message and answers with its findings (never parse trees). It reads blocking:
// the thread has nothing else to do, and a blocking read costs far less than an asynchronous one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { describeError } from './logger';
import { analyzeDiskFileSync, WorkerJob, WorkerReply } from './scanPool';

const port = parentPort;
if (port === null) throw new Error('scanWorker.js runs as a worker thread of the language server');

/** How much nicer than the main thread a worker runs: requests come first when the cores are busy. */
const WORKER_NICENESS = 5;

lowerThisThreadsPriority();

port.on('message', (job: WorkerJob) => {
  let reply: WorkerReply;
  try {
    reply = { id: job.id, analysis: analyzeDiskFileSync(job.fsPath, job.maxBytes, job.options) };
  } catch (error) {
    reply = { id: job.id, error: describeError(error) };
  }
  port.postMessage(reply);
});

/**
 * The scan is background work: on Linux the nice value is per thread, so this worker thread (found by
 * its thread id) yields the CPU to the server's main thread, which answers code actions and hovers.
 * Elsewhere, or when not allowed, the worker keeps the process's priority.
 */
function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    if (!Number.isInteger(threadId) || threadId <= 0) return;
    os.setPriority(threadId, Math.min(19, os.getPriority(threadId) + WORKER_NICENESS));
  } catch {
    // No /proc (not Linux) or not permitted: run at the normal priority.
  }
}

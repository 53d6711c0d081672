// Entry point of dist/scanWorker.js: a worker thread of the workspace scan (see scanPool.ts). Reads and
// analyses the files of each message (a batch of jobs) and answers with their findings in one message (never
// parse trees). It reads blocking: the thread has nothing else to do, and a blocking read costs far less
// than an asynchronous one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { describeError } from './logger';
import { analyzeDiskFileSync, WorkerJob, WorkerJobs, WorkerReplies, WorkerReply } from './scanPool';

const port = parentPort;
if (port === null) throw new Error('scanWorker.js runs as a worker thread of the language server');

/** How much nicer than the main thread a worker runs: requests come first when the cores are busy. */
const WORKER_NICENESS = 5;

lowerThisThreadsPriority();

port.on('message', (jobs: WorkerJobs) => {
  const replies: WorkerReplies = jobs.map(answer);
  port.postMessage(replies);
});

function answer(job: WorkerJob): WorkerReply {
  try {
    return { id: job.id, analysis: analyzeDiskFileSync(job.fsPath, job.maxBytes, job.options) };
  } catch (error) {
    return { id: job.id, error: describeError(error) };
  }
}

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

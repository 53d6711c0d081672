// Entry point of dist/scanWorker.js: a worker thread of the workspace scan (see scanPool.ts). Reads and
// analyses one file per message and answers with its findings (never parse trees). It reads blocking:
// the thread has nothing else to do, and a blocking read costs far less than an asynchronous one.
import { parentPort } from 'node:worker_threads';
import { describeError } from './logger';
import { analyzeDiskFileSync, WorkerJob, WorkerReply } from './scanPool';

const port = parentPort;
if (port === null) throw new Error('scanWorker.js runs as a worker thread of the language server');

port.on('message', (job: WorkerJob) => {
  let reply: WorkerReply;
  try {
    reply = { id: job.id, analysis: analyzeDiskFileSync(job.fsPath, job.maxBytes, job.options) };
  } catch (error) {
    reply = { id: job.id, error: describeError(error) };
  }
  port.postMessage(reply);
});

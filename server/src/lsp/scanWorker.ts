// Entry point of dist/scanWorker.js: a worker thread of the workspace scan (see scanPool.ts). Reads and
// analyses one file per message and answers with its findings (never parse trees).
import { parentPort } from 'node:worker_threads';
import { describeError } from './logger';
import { IN_PROCESS_ANALYZER, WorkerJob, WorkerReply } from './scanPool';

const port = parentPort;
if (port === null) throw new Error('scanWorker.js runs as a worker thread of the language server');

port.on('message', (job: WorkerJob) => {
  IN_PROCESS_ANALYZER.analyze(job.fsPath, job.maxBytes, job.options).then(
    (analysis) => port.postMessage({ id: job.id, analysis } satisfies WorkerReply),
    (error: unknown) => port.postMessage({ id: job.id, error: describeError(error) } satisfies WorkerReply),
  );
});

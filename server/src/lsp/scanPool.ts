// Reads and analyses files for the workspace scan, on worker threads when it can: the main thread then
// only publishes, so requests (code actions, hovers) never wait behind a large file, and a second core
// shares the work. Falls back to the main thread when workers are unavailable (no dist/scanWorker.js
// next to the bundle, or workers that fail); results are the same either way, only the timing differs.
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  analyzeText,
  EngineOptions,
  fileContextOf,
  FileFacts,
  Finding,
  LossyReason,
  ManifestRead,
  readManifestFile,
  readManifestFileSync,
} from '../engine';
import { describeError, Logger } from './logger';

/**
 * What reading and analysing one file on disk gave. `lossy`: the text is not the file's bytes (invalid
 * UTF-8 replaced by U+FFFD, or UTF-16 transcoded, as kubectl reads the file); see ManifestText.
 */
export type DiskFileAnalysis = { findings: Finding[]; facts?: FileFacts; lossy?: LossyReason } | { skipped: string };

export interface FileAnalyzer {
  analyze(fsPath: string, maxBytes: number, options: EngineOptions): Promise<DiskFileAnalysis>;
  /** How many files it analyses at once. */
  readonly parallelism: number;
  /** Analyses on the calling (main) thread. */
  readonly onMainThread: boolean;
  /** Its workers failed and it now analyses on the main thread: a new analyzer should replace it. */
  readonly failed?: boolean;
  dispose(): void;
}

/** Reads and analyses on the calling thread, reading without blocking it. */
export const IN_PROCESS_ANALYZER: FileAnalyzer = {
  parallelism: 1,
  onMainThread: true,
  async analyze(fsPath, maxBytes, options) {
    return analyzeRead(await readManifestFile(fsPath, maxBytes), options, fsPath);
  },
  dispose() {},
};

/** Reads and analyses blocking the calling thread: what a scan worker does with each job. */
export function analyzeDiskFileSync(fsPath: string, maxBytes: number, options: EngineOptions): DiskFileAnalysis {
  return analyzeRead(readManifestFileSync(fsPath, maxBytes), options, fsPath);
}

function analyzeRead(read: ManifestRead, options: EngineOptions, fsPath: string): DiskFileAnalysis {
  if ('skipped' in read) return read;
  const { findings, facts } = analyzeText(read.text, options, undefined, fileContextOf(fsPath, read.text));
  return { findings, ...(facts ? { facts } : {}), ...(read.lossy ? { lossy: read.lossy } : {}) };
}

/** The worker bundle (`dist/scanWorker.js`) next to the running bundle. */
export const SCAN_WORKER_SCRIPT = path.join(__dirname, 'scanWorker.js');

/**
 * Worker count: `KUBE_MITM_GUARD_SCAN_WORKERS` when set (0: no workers), else one per core (on two
 * cores the main thread mostly waits, so both go to workers), at most 4.
 */
export function scanWorkerCount(): number {
  const configured = process.env.KUBE_MITM_GUARD_SCAN_WORKERS;
  if (configured !== undefined && configured !== '') {
    const count = Number(configured);
    return Number.isInteger(count) && count >= 0 ? Math.min(count, 16) : 0;
  }
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

export interface WorkerJob {
  id: number;
  fsPath: string;
  maxBytes: number;
  options: EngineOptions;
}

export type WorkerReply = { id: number; analysis: DiskFileAnalysis } | { id: number; error: string };

/** What the pool posts to a worker, and what the worker answers: a batch of jobs, their replies in the same order. */
export type WorkerJobs = WorkerJob[];
export type WorkerReplies = WorkerReply[];

interface Pending {
  job: WorkerJob;
  resolve(analysis: DiskFileAnalysis): void;
  reject(error: unknown): void;
}

/** A scan's analyzer: workers when possible, else the main thread. Dispose it when the scan ends. */
export function createScanAnalyzer(logger: Logger, workers = scanWorkerCount(), script = SCAN_WORKER_SCRIPT): FileAnalyzer {
  if (workers === 0 || !fs.existsSync(script)) return IN_PROCESS_ANALYZER;
  try {
    return new WorkerPool(script, workers, logger);
  } catch (error) {
    logger.warn(`Scanning on the main thread: could not start scan workers (${describeError(error)}).`);
    return IN_PROCESS_ANALYZER;
  }
}

/** How long a scan's workers stay alive after it, for the next scan (a rescan, a settings change). */
export const SCAN_POOL_IDLE_MS = 60_000;

/**
 * The scan analyzer kept between scans: starting workers costs each of them loading the bundle and
 * warming up the JIT again, so a scan soon after another reuses the same workers. After `idleMs`
 * without a scan, or on `dispose` (server shutdown), the workers are terminated; idle workers never
 * keep the process alive either way (see `WorkerPool`). Scans run one at a time (WorkspaceScanner),
 * so one analyzer is enough.
 */
export class SharedScanAnalyzer {
  private current: FileAnalyzer | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly create: () => FileAnalyzer,
    private readonly idleMs = SCAN_POOL_IDLE_MS,
  ) {}

  /** The analyzer for a scan that starts now; call `release` when the scan ends. */
  acquire(): FileAnalyzer {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.disposed) return IN_PROCESS_ANALYZER;
    if (this.current?.failed) this.stop();
    this.current ??= this.create();
    return this.current;
  }

  /** The scan ended: the workers stay for `idleMs`, for the next scan. */
  release(): void {
    if (this.disposed || this.current === undefined) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.idleMs);
    this.idleTimer.unref();
  }

  /** Whether workers (or a main-thread analyzer) are being kept (for tests). */
  get alive(): boolean {
    return this.current !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.idleTimer);
    this.stop();
  }

  private stop(): void {
    this.current?.dispose();
    this.current = undefined;
  }
}

/**
 * Messages (each a batch of jobs) handed to each worker at once: it answers them in order, and the next one
 * is already waiting in its message queue when it finishes one, instead of a round trip through the main
 * thread later. More would only let a worker stuck on a large file hold files another worker could take.
 */
const MESSAGES_QUEUED_PER_WORKER = 2;

/**
 * Jobs per message while many are waiting: a message costs both threads tens of microseconds whatever it
 * carries (a scan of a thousand small files sent two thousand), and a batch is answered in one message. Few
 * enough that a large file holds back little behind it; and one job per message once the queue runs low (the
 * end of a scan), so no worker sits idle while another still has a batch to go.
 */
const JOBS_PER_MESSAGE = 4;

interface WorkerSlot {
  worker: Worker;
  /** Jobs posted to it and not yet answered, oldest first (it answers in this order). */
  assigned: Pending[];
  /** Messages posted to it and not yet answered. */
  messages: number;
}

/**
 * A worker's parses are short-lived garbage: a small young generation collects it sooner, so a worker holds
 * less memory at any time (50,000 files: peak RSS 375 → 340 MB, the rescan's, at the same scan CPU time).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

class WorkerPool implements FileAnalyzer {
  readonly parallelism: number;
  readonly onMainThread = false;
  private readonly workers: WorkerSlot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private broken = false;
  private disposed = false;

  constructor(script: string, count: number, private readonly logger: Logger) {
    this.parallelism = count;
    for (let index = 0; index < count; index++) {
      const worker = new Worker(script, { resourceLimits: WORKER_LIMITS });
      const slot: WorkerSlot = { worker, assigned: [], messages: 0 };
      worker.on('message', (replies: WorkerReplies) => this.onReplies(slot, replies));
      worker.on('error', (error) => this.onFailure(`a scan worker failed: ${describeError(error)}`));
      worker.on('exit', (code) => {
        if (!this.disposed) this.onFailure(`a scan worker exited (code ${code})`);
      });
      // Only a busy worker keeps the process alive.
      worker.unref();
      this.workers.push(slot);
    }
  }

  get failed(): boolean {
    return this.broken;
  }

  analyze(fsPath: string, maxBytes: number, options: EngineOptions): Promise<DiskFileAnalysis> {
    if (this.broken || this.disposed) return IN_PROCESS_ANALYZER.analyze(fsPath, maxBytes, options);
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, fsPath, maxBytes, options }, resolve, reject });
      this.dispatch();
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const { worker } of this.workers) void worker.terminate();
    this.rerunInProcess();
  }

  /** Hands queued jobs to the least loaded workers, up to MESSAGES_QUEUED_PER_WORKER batches each. */
  private dispatch(): void {
    for (let depth = 0; depth < MESSAGES_QUEUED_PER_WORKER; depth++) {
      for (const slot of this.workers) {
        if (slot.messages > depth) continue;
        const batch = this.queue.splice(0, this.queue.length >= this.workers.length * JOBS_PER_MESSAGE ? JOBS_PER_MESSAGE : 1);
        if (batch.length === 0) return;
        slot.assigned.push(...batch);
        slot.messages++;
        slot.worker.ref();
        slot.worker.postMessage(batch.map((pending): WorkerJob => pending.job));
      }
    }
  }

  private onReplies(slot: WorkerSlot, replies: WorkerReplies): void {
    slot.messages--;
    for (const reply of replies) {
      const pending = slot.assigned.shift();
      if (pending === undefined || pending.job.id !== reply.id) continue;
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply.analysis);
    }
    if (slot.assigned.length === 0) slot.worker.unref();
    this.dispatch();
  }

  /** One failing worker stops the pool: what it and the others had not answered runs on the main thread. */
  private onFailure(message: string): void {
    if (this.broken || this.disposed) return;
    this.broken = true;
    this.logger.warn(`Scanning on the main thread from now on: ${message}.`);
    for (const { worker } of this.workers) void worker.terminate();
    this.rerunInProcess();
  }

  private rerunInProcess(): void {
    const stranded = [...this.workers.flatMap((slot) => slot.assigned), ...this.queue];
    for (const slot of this.workers) {
      slot.assigned = [];
      slot.messages = 0;
    }
    this.queue.length = 0;
    for (const { job, resolve, reject } of stranded) {
      IN_PROCESS_ANALYZER.analyze(job.fsPath, job.maxBytes, job.options).then(resolve, reject);
    }
  }
}

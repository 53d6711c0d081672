// Reads kube-apiserver audit logs as a stream: one Event per line (the log backend's format), gzip or
// not (by the magic bytes 1f 8b, whatever the name), or one EventList document. Memory stays flat: a
// line is decoded only when the pre-check cannot rule it out, and only requests still waiting for their
// last stage are held. Each request (auditID) is judged once, at its ResponseComplete or Panic event.
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { formatSize } from '../fileDiscovery';
import { isObject, readEvent } from './event';
import { itemLines } from './eventList';
import { AuditFinding, AuditJudge, AuditRequest, AuditSummary, isJudgedRequest, JudgeOptions } from './judge';
import { LineSplitter } from './lineSplitter';
import { mustParseLine } from './precheck';

export interface AuditReadOptions extends JudgeOptions {
  /** The largest EventList document read whole. */
  maxDocumentBytes: number;
  /** The longest line read; a longer one is named as unreadable and skipped. */
  maxLineBytes: number;
  /** Pass over lines the pre-check rules out (default true; tests compare with and without). */
  precheck?: boolean;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** A line that is not an audit Event (1-based, as `file:line` on standard error). */
export interface UnreadableLine {
  file: string;
  line: number;
  reason: string;
}

export interface AuditCounts {
  /** Non-blank lines of line-per-event input, and events of EventList documents. */
  linesRead: number;
  /** Events parsed and read. */
  eventsRead: number;
  /** Lines the pre-check passed over unparsed: they name no resource audit-log judges. */
  linesPassedOver: number;
  unreadableLines: number;
  /** Requests (auditIDs) of the judged resources, each judged once. */
  requestsJudged: number;
}

export interface AuditReport {
  findings: AuditFinding[];
  counts: AuditCounts;
  summary: AuditSummary;
  /** Inputs that could not be read to their end (a broken gzip stream, an oversized document). */
  inputProblems: { file: string; reason: string }[];
}

const GZIP_MAGIC = [0x1f, 0x8b];
const FINAL_STAGES: ReadonlySet<string> = new Set(['ResponseComplete', 'Panic']);
/** Requests waiting for their last stage; beyond this the oldest is judged as it is (its outcome unknown). */
const MAX_PENDING_REQUESTS = 10_000;
/** auditIDs already judged, so a late duplicate stage is not judged again (oldest forgotten first). */
const MAX_REMEMBERED_REQUESTS = 100_000;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

export class AuditLogReader {
  private readonly judge: AuditJudge;
  private readonly findings: AuditFinding[] = [];
  private readonly counts: AuditCounts = { linesRead: 0, eventsRead: 0, linesPassedOver: 0, unreadableLines: 0, requestsJudged: 0 };
  private readonly inputProblems: AuditReport['inputProblems'] = [];
  private readonly pending = new Map<string, AuditRequest>();
  private readonly judged = new Set<string>();

  constructor(
    private readonly options: AuditReadOptions,
    private readonly onUnreadable: (line: UnreadableLine) => void = () => {},
  ) {
    this.judge = new AuditJudge(options);
  }

  /**
   * Reads one input to its end; files are read in the order given (rotated logs: oldest first). `input` is
   * a stream (standard input) or chunks read blocking (a file: Node's asynchronous file stream waits for
   * the thread pool between chunks, several times slower on a busy machine). Chunks must not be reused:
   * a line that spans chunks is held as views of them.
   */
  async read(file: string, input: AsyncIterable<Buffer | string> | Iterable<Buffer>): Promise<void> {
    const precheck = this.options.precheck !== false;
    type Mode = 'undecided' | 'lines' | 'document';
    const state: { mode: Mode } = { mode: 'undecided' };
    const document: Buffer[] = [];
    let documentBytes = 0;
    let documentStart = 0;
    let documentTooLarge = false;
    const splitter = new LineSplitter(
      this.options.maxLineBytes,
      (bytes, start, end, line) => {
        if (state.mode === 'document') {
          if (documentTooLarge) return;
          documentBytes += end - start + 1;
          if (documentBytes > this.options.maxDocumentBytes) {
            documentTooLarge = true;
            document.length = 0;
            return;
          }
          document.push(Buffer.from(bytes.subarray(start, end)), NEWLINE_BUFFER);
          return;
        }
        if (line === 0 && startsWith(bytes, start, end, UTF8_BOM)) start += UTF8_BOM.length;
        while (start < end && isSpace(bytes[start])) start++;
        while (end > start && isSpace(bytes[end - 1])) end--;
        if (start === end) return;
        if (state.mode === 'undecided') {
          // A document that opens with `{` alone on its line is a JSON document written over many lines
          // (kubectl's EventList output): one Event per line never is.
          if (end - start === 1 && bytes[start] === 0x7b) {
            state.mode = 'document';
            documentStart = line;
            document.push(Buffer.from('{\n'));
            documentBytes = 2;
            return;
          }
          state.mode = 'lines';
        }
        this.counts.linesRead++;
        if (precheck && !mustParseLine(bytes, start, end)) {
          this.counts.linesPassedOver++;
          return;
        }
        this.readLine(file, line, bytes.toString('utf8', start, end));
      },
      (line) => this.unreadable(file, line, `longer than the limit of ${formatSize(this.options.maxLineBytes)} for one line`),
    );
    try {
      if (isIterable(input)) {
        // Blocking reads (a file): no wait between chunks; gzip still goes through zlib's stream.
        const iterator = input[Symbol.iterator]();
        const first = iterator.next();
        if (!first.done && isGzip(first.value)) {
          for await (const chunk of gunzipped(Readable.from(chained(first.value, iterator)))) splitter.push(chunk);
        } else if (!first.done) {
          splitter.push(first.value);
          for (let next = iterator.next(); !next.done; next = iterator.next()) splitter.push(next.value);
        }
      } else {
        for await (const chunk of decompressed(input)) splitter.push(chunk);
      }
    } catch (error) {
      this.inputProblems.push({ file, reason: `could not be read to its end (${describeError(error)}); the lines before were read` });
    }
    splitter.end();
    if (state.mode !== 'document') return;
    if (documentTooLarge) {
      this.inputProblems.push({
        file,
        reason: `is a JSON document over the limit of ${formatSize(this.options.maxDocumentBytes)} for an EventList read whole (--max-document-mb); write the log one event per line instead`,
      });
      return;
    }
    this.readDocument(file, documentStart, Buffer.concat(document).toString('utf8'));
  }

  /** Judges what is still waiting for its last stage, and returns everything found. */
  finish(): AuditReport {
    for (const request of [...this.pending.values()]) this.judgeRequest(request);
    this.pending.clear();
    return { findings: this.findings, counts: { ...this.counts }, summary: this.judge.summary, inputProblems: [...this.inputProblems] };
  }

  private readLine(file: string, line: number, text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.unreadable(file, line, 'not JSON (a truncated or stray line?)');
      return;
    }
    if (isObject(value) && value.kind === 'EventList') {
      this.readEventList(file, value, () => line, text.length);
      return;
    }
    this.readValue(file, line, text.length, value);
  }

  private readDocument(file: string, firstLine: number, text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.counts.linesRead++;
      this.unreadable(file, firstLine, 'a JSON document that does not parse');
      return;
    }
    if (isObject(value) && value.kind === 'EventList') {
      const lines = itemLines(text);
      this.readEventList(file, value, (index) => firstLine + (lines[index] ?? 0), 0);
      return;
    }
    this.counts.linesRead++;
    this.readValue(file, firstLine, 0, value);
  }

  private readEventList(file: string, list: Record<string, unknown>, lineOf: (index: number) => number, lineLength: number): void {
    if (!Array.isArray(list.items)) {
      this.counts.linesRead++;
      this.unreadable(file, lineOf(0), 'an EventList without items');
      return;
    }
    list.items.forEach((item, index) => {
      this.counts.linesRead++;
      this.readValue(file, lineOf(index), lineLength, item);
    });
  }

  private readValue(file: string, line: number, lineLength: number, value: unknown): void {
    const event = readEvent(value);
    if ('notAnEvent' in event) {
      this.unreadable(file, line, event.notAnEvent);
      return;
    }
    this.counts.eventsRead++;
    if (!isJudgedRequest(event)) return;
    this.addStage({ ...event, file, line, lineLength });
  }

  private addStage(request: AuditRequest): void {
    const id = request.auditID;
    if (this.judged.has(id)) return;
    const earlier = this.pending.get(id);
    const merged = earlier === undefined ? request : mergeStages(earlier, request);
    if (FINAL_STAGES.has(request.stage)) {
      this.pending.delete(id);
      this.judgeRequest(merged);
      return;
    }
    this.pending.delete(id);
    this.pending.set(id, merged);
    if (this.pending.size > MAX_PENDING_REQUESTS) {
      const [oldestId, oldest] = this.pending.entries().next().value as [string, AuditRequest];
      this.pending.delete(oldestId);
      this.judgeRequest(oldest);
    }
  }

  private judgeRequest(request: AuditRequest): void {
    this.judged.add(request.auditID);
    if (this.judged.size > MAX_REMEMBERED_REQUESTS) this.judged.delete(this.judged.values().next().value as string);
    this.counts.requestsJudged++;
    this.findings.push(...this.judge.judge(request));
  }

  private unreadable(file: string, line: number, reason: string): void {
    this.counts.unreadableLines++;
    this.onUnreadable({ file, line: line + 1, reason });
  }
}

/** The later stage's event, with the bodies an earlier stage logged when the later one lacks them. */
function mergeStages(earlier: AuditRequest, later: AuditRequest): AuditRequest {
  return {
    ...later,
    requestObject: later.requestObject ?? earlier.requestObject,
    responseObject: later.responseObject ?? earlier.responseObject,
    objectRef: later.objectRef ?? earlier.objectRef,
  };
}

/** The input's bytes, gunzipped when it starts with the gzip magic bytes. */
async function* decompressed(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < GZIP_MAGIC.length) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = toBuffer(next.value);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const first = Buffer.concat(head, headBytes);
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (ended) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield toBuffer(next.value);
  };
  if (isGzip(first)) {
    yield* gunzipped(Readable.from(rest()));
    return;
  }
  yield* rest();
}

function isGzip(head: Buffer): boolean {
  return head.length >= GZIP_MAGIC.length && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

async function* gunzipped(compressed: Readable): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  // pipeline, not pipe: an error on either side ends the iteration below instead of leaving it waiting.
  pipeline(compressed, gunzip, () => {});
  for await (const chunk of gunzip) yield chunk as Buffer;
}

function* chained(first: Buffer, rest: Iterator<Buffer>): Generator<Buffer> {
  yield first;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}

function isIterable(input: AsyncIterable<Buffer | string> | Iterable<Buffer>): input is Iterable<Buffer> {
  return typeof (input as Iterable<Buffer>)[Symbol.iterator] === 'function';
}

const NEWLINE_BUFFER = Buffer.from('\n');

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

function startsWith(bytes: Buffer, start: number, end: number, prefix: readonly number[]): boolean {
  if (end - start < prefix.length) return false;
  return prefix.every((byte, i) => bytes[start + i] === byte);
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ? `${code}: ${(error as Error).message}` : error instanceof Error ? error.message : String(error);
}


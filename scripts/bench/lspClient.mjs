// A minimal LSP client for the benchmark: plain Node, its own Content-Length framing, no TypeScript.
// It answers what the server asks (workspace/configuration, window/workDoneProgress/create,
// client/registerCapability) and lets the benchmark wait for notifications with timestamps taken the
// moment each message is decoded, so measured latencies include nothing but the server and the pipe.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** USER_HZ: 100 on every Linux that Node supports. */
const CLOCK_TICKS = 100;

export function fileUri(fsPath) {
  return pathToFileURL(fsPath).href;
}

/** What VS Code advertises for the features the server uses. */
const CAPABILITIES = {
  workspace: {
    configuration: true,
    workspaceFolders: true,
    didChangeConfiguration: { dynamicRegistration: true },
    didChangeWatchedFiles: { dynamicRegistration: true },
    workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
  },
  window: { workDoneProgress: true },
  textDocument: {
    synchronization: { dynamicRegistration: false },
    publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
    codeAction: {
      dataSupport: true,
      isPreferredSupport: true,
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } },
    },
  },
};

export class BenchClient {
  constructor(serverPath, { settings = null, nodeArgs = [] } = {}) {
    this.settings = settings;
    this.child = spawn(process.execPath, [...nodeArgs, serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Set();
    this.stderr = '';
    this.buffer = Buffer.alloc(0);
    /** Every publishDiagnostics: { uri, count, version, at }. */
    this.publishes = [];
    this.latestDiagnostics = new Map();
    /** Progress events: { token, kind, at }. */
    this.progress = [];
    /** The last `kubeMitmGuard/status` the server sent (its `link` figures are the link phase's). */
    this.lastStatus = undefined;
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr.on('data', (chunk) => {
      this.stderr += chunk.toString();
      if (this.stderr.length > 100_000) this.stderr = this.stderr.slice(-50_000);
    });
    this.child.stdout.on('data', (chunk) => this.onData(chunk));
    this.child.stdin.on('error', () => undefined);
  }

  // ---- framing --------------------------------------------------------------------------------

  onData(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /Content-Length:\s*(\d+)/i.exec(header);
      if (!match) throw new Error(`Bad LSP header: ${header}`);
      const length = Number(match[1]);
      const start = headerEnd + 4;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString('utf8');
      this.buffer = this.buffer.subarray(start + length);
      this.onMessage(JSON.parse(body), performance.now());
    }
  }

  send(message) {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  request(method, params) {
    const id = this.nextId++;
    const sentAt = performance.now();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, sentAt, method });
      this.send({ id, method, params });
    });
  }

  notify(method, params) {
    this.send({ method, params });
  }

  onMessage(message, at) {
    if (message.id !== undefined && message.method === undefined) {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error) pending.reject(Object.assign(new Error(`${pending.method}: ${message.error.message}`), { at }));
      else pending.resolve({ result: message.result, at, latencyMs: at - pending.sentAt });
      return;
    }
    if (message.id !== undefined) {
      this.answer(message);
      return;
    }
    switch (message.method) {
      case 'textDocument/publishDiagnostics': {
        const { uri, diagnostics, version } = message.params;
        this.publishes.push({ uri, count: diagnostics.length, version, at });
        this.latestDiagnostics.set(uri, diagnostics);
        break;
      }
      case '$/progress':
        this.progress.push({ token: message.params.token, kind: message.params.value?.kind, at });
        break;
      case 'kubeMitmGuard/status':
        this.lastStatus = message.params;
        break;
    }
    for (const listener of [...this.listeners]) listener(message, at);
  }

  answer(request) {
    let result = null;
    switch (request.method) {
      case 'workspace/configuration':
        result = (request.params?.items ?? []).map(() => this.settings);
        break;
      case 'window/workDoneProgress/create':
      case 'client/registerCapability':
      case 'client/unregisterCapability':
        result = null;
        break;
      default:
        result = null;
    }
    this.send({ id: request.id, result });
  }

  /** Resolves with { message, at } for the first server notification that `match` accepts. */
  waitForNotification(match, timeoutMs = 600_000, description = 'a notification') {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${description}. Server stderr:\n${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      const listener = (message, at) => {
        if (message.method === undefined || !match(message)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve({ message, at });
      };
      this.listeners.add(listener);
    });
  }

  // ---- LSP steps ------------------------------------------------------------------------------

  async initialize(folders) {
    const { result } = await this.request('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: CAPABILITIES,
      workspaceFolders: folders.map((folder) => ({ uri: fileUri(folder), name: folder.split(/[\\/]/).pop() })),
    });
    this.capabilities = result.capabilities;
    return result;
  }

  openDocument(fsPath, languageId = 'yaml') {
    const uri = fileUri(fsPath);
    const text = readFileSync(fsPath, 'utf8');
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return { uri, text, version: 1 };
  }

  /** The server's Peak RSS (VmHWM) and current RSS in MB, from /proc (Linux only). */
  memory() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { peakRssMB: kb('VmHWM') / 1024, rssMB: kb('VmRSS') / 1024 };
    } catch {
      return { peakRssMB: NaN, rssMB: NaN };
    }
  }

  /** CPU time (user + system) the server has used so far, in ms, from /proc (Linux only; 10 ms ticks). */
  cpuMs() {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      return NaN;
    }
  }

  async shutdown() {
    try {
      await Promise.race([this.request('shutdown', null), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      this.notify('exit', null);
    } catch {
      /* the server may already be gone */
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

// A small LSP client for tests: spawns the bundled server (`node dist/server.js --stdio`) and talks to
// it over the real protocol, the way an editor does. It answers the server's requests
// (workspace/configuration, window/workDoneProgress/create, client/registerCapability), records what
// the server pushes, and lets tests wait for conditions with a timeout instead of sleeping.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  ClientCapabilities,
  CodeAction,
  CodeActionRequest,
  Command,
  ConfigurationRequest,
  createProtocolConnection,
  Diagnostic,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidChangeWorkspaceFoldersNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  FileChangeType,
  Hover,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  InitializeResult,
  LogMessageNotification,
  Position,
  ProgressToken,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  Range,
  Registration,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentEdit,
  UnregistrationRequest,
  WorkDoneProgressBegin,
  WorkDoneProgressCreateRequest,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';

/** out/test/lsp/ → repository root → dist/server.js (the bundle `npm run build` makes). */
export const SERVER_BUNDLE = path.resolve(__dirname, '..', '..', '..', 'dist', 'server.js');

export type Settings = Record<string, unknown>;

export interface StartOptions {
  /** Absolute paths of the workspace folders. */
  folders: string[];
  /** The `kubeMitmGuard` section the client answers workspace/configuration with. */
  settings?: Settings;
  /** Per-folder overrides, keyed by folder path. */
  folderSettings?: Record<string, Settings>;
  /** Replaces the default (VS Code-like) capabilities, e.g. to act as a minimal editor. */
  capabilities?: ClientCapabilities;
  initializationOptions?: unknown;
  /** Leave `external-ips-deprecated` at its default (see withDeprecationHintSetting). */
  deprecationHint?: boolean;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
}

export type ProgressEvent = (WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) & { token: ProgressToken };

/** What VS Code advertises for the features the server uses. */
export const EDITOR_CAPABILITIES: ClientCapabilities = {
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
    hover: { contentFormat: ['markdown', 'plaintext'] },
    codeAction: {
      dataSupport: true,
      isPreferredSupport: true,
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } },
    },
  },
};

export function fileUri(fsPath: string): string {
  return pathToFileURL(fsPath).href;
}

export class LspTestClient {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every publishDiagnostics, in order (uri + count), to assert that something was (not) published. */
  readonly publishLog: { uri: string; count: number; version?: number; severities: (number | undefined)[] }[] = [];
  readonly logs: string[] = [];
  readonly progress: ProgressEvent[] = [];
  readonly registrations: Registration[] = [];
  readonly statuses: Record<string, unknown>[] = [];
  readonly configurationRequests: { scopeUri?: string; section?: string }[] = [];
  settings: Settings;
  folderSettings: Record<string, Settings>;
  private readonly deprecationHint: boolean;
  initializeResult: InitializeResult | undefined;

  private readonly documents = new Map<string, TextDocument>();
  private readonly waiters = new Set<() => void>();
  private readonly stderr: string[] = [];
  private exitCode: number | null | undefined;
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly process: ChildProcessWithoutNullStreams,
    private readonly connection: ProtocolConnection,
    options: StartOptions,
  ) {
    this.settings = options.settings ?? {};
    this.folderSettings = options.folderSettings ?? {};
    this.deprecationHint = options.deprecationHint ?? false;
    this.exited = new Promise((resolve) => {
      process.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
        this.changed();
      });
    });
    process.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.listen();
  }

  static async start(options: StartOptions): Promise<LspTestClient> {
    const child = spawn(process.execPath, [SERVER_BUNDLE, '--stdio'], { stdio: 'pipe', env: { ...process.env, ...options.env } });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new LspTestClient(child, connection, options);
    connection.listen();
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: options.capabilities ?? EDITOR_CAPABILITIES,
      workspaceFolders: options.folders.map((folder) => ({ uri: fileUri(folder), name: path.basename(folder) })),
      initializationOptions: options.initializationOptions,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  // ---- waiting ----------------------------------------------------------------------------------

  /** Resolves with the first truthy value of `check`, re-evaluated whenever the server sends something. */
  waitFor<T>(description: string, check: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const evaluate = () => {
        let value: T | undefined | null | false;
        try {
          value = check();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (value !== undefined && value !== null && value !== false) {
          finish();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${description}.\n${this.describeState()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(evaluate);
      };
      this.waiters.add(evaluate);
      evaluate();
    });
  }

  /** Waits until the diagnostics of `fsPath` satisfy `check` (an unpublished file has none). */
  waitForDiagnostics(fsPath: string, check: (diagnostics: Diagnostic[]) => boolean, description = 'diagnostics'): Promise<Diagnostic[]> {
    const uri = fileUri(fsPath);
    return this.waitFor(`${description} for ${path.basename(fsPath)}`, () => {
      const diagnostics = this.diagnostics.get(uri) ?? [];
      return check(diagnostics) ? diagnostics : undefined;
    });
  }

  /** Waits for the n-th workspace scan (counted by work done progress `end`) to finish. */
  waitForScans(count: number, timeoutMs = 20_000): Promise<true> {
    return this.waitFor(`${count} finished scan(s)`, () => this.finishedScans() >= count || undefined, timeoutMs);
  }

  finishedScans(): number {
    return this.progress.filter((event) => event.kind === 'end').length;
  }

  waitForLog(pattern: RegExp): Promise<string> {
    return this.waitFor(`a log line matching ${pattern}`, () => this.logs.find((line) => pattern.test(line)));
  }

  // ---- editor actions ---------------------------------------------------------------------------

  openDocument(fsPath: string, text: string, languageId = 'yaml'): Promise<TextDocument> {
    return this.openUri(fileUri(fsPath), text, languageId);
  }

  async openUri(uri: string, text: string, languageId: string): Promise<TextDocument> {
    const document = TextDocument.create(uri, languageId, 1, text);
    this.documents.set(uri, document);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return document;
  }

  /** Replaces the whole text (a full-content change), bumping the version. */
  async changeDocument(fsPath: string, text: string): Promise<TextDocument> {
    const uri = fileUri(fsPath);
    const current = this.requireDocument(uri);
    const next = TextDocument.create(uri, current.languageId, current.version + 1, text);
    this.documents.set(uri, next);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: next.version },
      contentChanges: [{ text }],
    });
    return next;
  }

  async closeDocument(fsPath: string): Promise<void> {
    const uri = fileUri(fsPath);
    this.documents.delete(uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  document(fsPath: string): TextDocument {
    return this.requireDocument(fileUri(fsPath));
  }

  async codeActions(fsPath: string, range: Range, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    const result = await this.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: fileUri(fsPath) },
      range,
      context: { diagnostics, only },
    });
    return (result ?? []).filter((action): action is CodeAction => !Command.is(action));
  }

  hover(fsPath: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri: fileUri(fsPath) }, position });
  }

  /** Changes the answers to workspace/configuration and tells the server, like VS Code does. */
  async changeSettings(settings: Settings, folderSettings: Record<string, Settings> = this.folderSettings): Promise<void> {
    this.settings = settings;
    this.folderSettings = folderSettings;
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  async changeWorkspaceFolders(added: string[], removed: string[]): Promise<void> {
    const toFolder = (folder: string) => ({ uri: fileUri(folder), name: path.basename(folder) });
    await this.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, {
      event: { added: added.map(toFolder), removed: removed.map(toFolder) },
    });
  }

  /** Push-model settings change (editors without workspace/configuration send the settings along). */
  async pushSettings(settings: Settings): Promise<void> {
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings });
  }

  async fileChanged(fsPath: string, type: FileChangeType): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(fsPath), type }] });
  }

  request<R>(method: string, params?: unknown): Promise<R> {
    return params === undefined ? this.connection.sendRequest<R>(method) : this.connection.sendRequest<R>(method, params);
  }

  notify(method: string, params?: unknown): Promise<void> {
    return params === undefined ? this.connection.sendNotification(method) : this.connection.sendNotification(method, params);
  }

  waitForExit(timeoutMs = 5_000): Promise<number | null> {
    return this.waitFor('the server process to exit', () => (this.exitCode !== undefined ? { code: this.exitCode } : undefined), timeoutMs).then(
      ({ code }) => code,
    );
  }

  /** Clean LSP shutdown: `shutdown` request, `exit` notification; resolves with the exit code. */
  async shutdown(timeoutMs = 5_000): Promise<number | null> {
    if (this.exitCode === undefined) {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
      await this.waitFor('the server process to exit', () => this.exitCode !== undefined || undefined, timeoutMs);
    }
    this.connection.dispose();
    return this.exited;
  }

  /** For `after` hooks: never leaves a server process behind, even when a test failed midway. */
  async dispose(): Promise<void> {
    if (this.exitCode !== undefined) return;
    try {
      await this.shutdown(2_000);
    } catch {
      this.process.kill();
    }
  }

  /** The server's process id (for /proc). */
  get pid(): number | undefined {
    return this.process.pid;
  }

  serverStderr(): string {
    return this.stderr.join('');
  }

  /** Writes bytes to the server's stdin as they are, bypassing the message framing (broken clients). */
  writeRaw(bytes: string): void {
    this.process.stdin.write(bytes);
  }

  // ---- protocol plumbing ------------------------------------------------------------------------

  private listen(): void {
    const connection = this.connection;
    connection.onRequest(ConfigurationRequest.type, (params) =>
      params.items.map((item) => {
        this.configurationRequests.push(item);
        return this.settingsForScope(item.scopeUri);
      }),
    );
    connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    connection.onRequest(RegistrationRequest.type, (params) => {
      this.registrations.push(...params.registrations);
      this.changed();
    });
    connection.onRequest(UnregistrationRequest.type, () => undefined);
    // Replaces vscode-jsonrpc's per-token dispatch: the test wants every progress event, whatever its token.
    connection.onNotification('$/progress', (params: { token: ProgressToken; value: ProgressEvent }) => {
      this.progress.push({ ...params.value, token: params.token });
      this.changed();
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      const uri = normalizeUri(params.uri);
      this.diagnostics.set(uri, params.diagnostics);
      this.publishLog.push({ uri, count: params.diagnostics.length, version: params.version, severities: params.diagnostics.map((d) => d.severity) });
      this.changed();
    });
    connection.onNotification(LogMessageNotification.type, (params) => {
      this.logs.push(params.message);
      this.changed();
    });
    connection.onNotification('kubeMitmGuard/status', (params: Record<string, unknown>) => {
      this.statuses.push(params);
      this.changed();
    });
  }

  private settingsForScope(scopeUri: string | undefined): Settings {
    if (scopeUri !== undefined) {
      const scopePath = fileURLToPath(scopeUri);
      for (const [folder, overrides] of Object.entries(this.folderSettings)) {
        if (scopePath === folder || scopePath.startsWith(folder + path.sep)) return this.withDeprecationHintSetting({ ...this.settings, ...overrides });
      }
    }
    return this.withDeprecationHintSetting(this.settings);
  }

  /**
   * `external-ips-deprecated` comes once with every Service that uses externalIPs: the client turns it off
   * unless the test starts it with `deprecationHint` or sets the rule itself, so the tests about the other
   * rules keep their exact diagnostics (the hint has tests of its own).
   */
  private withDeprecationHintSetting(settings: Settings): Settings {
    const rules = (settings.rules ?? {}) as Record<string, unknown>;
    if (this.deprecationHint || 'external-ips-deprecated' in rules || (settings.rules !== undefined && typeof settings.rules !== 'object')) return settings;
    return { ...settings, rules: { 'external-ips-deprecated': 'off', ...rules } };
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private requireDocument(uri: string): TextDocument {
    const document = this.documents.get(uri);
    if (document === undefined) throw new Error(`${uri} is not open`);
    return document;
  }

  private describeState(): string {
    const published = [...this.diagnostics].map(([uri, list]) => `  ${uri}: ${list.map((d) => `${String(d.code)}@${d.range.start.line}`).join(', ')}`);
    return [
      'Published diagnostics:',
      ...published,
      'Last server log lines:',
      ...this.logs.slice(-15).map((line) => `  ${line}`),
      this.stderr.length > 0 ? `stderr: ${this.serverStderr().slice(-2000)}` : '',
    ].join('\n');
  }
}

/** The server may spell URIs differently from Node; compare by path. */
function normalizeUri(uri: string): string {
  return uri.startsWith('file:') ? pathToFileURL(fileURLToPath(uri)).href : uri;
}

/**
 * Applies a WorkspaceEdit to the given texts (by URI), as an editor would: `changes` or
 * `documentChanges` text edits; CreateFile starts an empty text. Returns the new texts by URI.
 */
/** The text a diagnostic's range covers on its line. */
export function textAt(text: string, diagnostic: { range: { start: { line: number; character: number }; end: { character: number } } }): string {
  const line = text.split(/\r?\n/)[diagnostic.range.start.line];
  return line.slice(diagnostic.range.start.character, diagnostic.range.end.character);
}

export function applyWorkspaceEdit(edit: WorkspaceEdit, texts: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = { ...texts };
  const applyTo = (uri: string, edits: Parameters<typeof TextDocument.applyEdits>[1]) => {
    const key = normalizeUri(uri);
    const current = result[key] ?? '';
    result[key] = TextDocument.applyEdits(TextDocument.create(key, 'yaml', 0, current), edits);
  };
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) applyTo(uri, edits);
  for (const change of edit.documentChanges ?? []) {
    if (TextDocumentEdit.is(change)) {
      applyTo(change.textDocument.uri, change.edits.map((textEdit) => {
        if (!('newText' in textEdit)) throw new Error('snippet edits are not expected from this server');
        return textEdit;
      }));
    }
    else if (change.kind === 'create' && result[normalizeUri(change.uri)] === undefined) result[normalizeUri(change.uri)] = '';
  }
  return result;
}

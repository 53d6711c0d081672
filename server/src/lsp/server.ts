// Wires the language server together: capabilities, document sync, settings, the project config file,
// workspace scans, file watching, code actions, hovers and status. Each concern lives in its own module; this
// file only decides when each one runs.
import * as path from 'node:path';
import {
  CodeActionKind,
  Connection,
  DidChangeConfigurationNotification,
  InitializeParams,
  InitializeResult,
  TextDocuments,
  TextDocumentSyncKind,
  WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionProvider } from './codeActions';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { WorkspaceLinker } from './workspaceLinker';
import { FileChecker } from './fileChecker';
import { FileFilter } from './fileFilter';
import { FileWatchHandler } from './fileWatcher';
import { HoverProvider } from './hover';
import { raiseOptimizationBudget } from './optimizationBudget';
import { createLogger, describeError } from './logger';
import { ProjectConfigStore } from './projectConfig';
import { FIX_ALL_CODE_ACTION_KIND, RESCAN_REQUEST, SETTINGS_SECTION } from './protocol';
import { SettingsStore } from './settingsStore';
import { StatusReporter } from './statusReporter';
import { Folder, WorkspaceFolderList } from './workspaceFolders';
import { WorkspaceScanner } from './workspaceScanner';
import { uriToFsPath } from './uris';

/** Edits to the config file in an editor arrive per keystroke; re-scanning the workspace waits for a pause. */
const CONFIG_EDIT_DEBOUNCE_MS = 300;
/**
 * VS Code may send didChangeConfiguration twice for one change (the client's `synchronize` section and
 * our dynamic registration for other clients): coalesce them into one rescan.
 */
const SETTINGS_CHANGE_DEBOUNCE_MS = 50;

interface ClientSupport {
  pullConfiguration: boolean;
  dynamicConfigurationRegistration: boolean;
  dynamicWatchRegistration: boolean;
  workspaceFolderEvents: boolean;
  workDoneProgress: boolean;
  documentChanges: boolean;
  createFiles: boolean;
}

/** Everything that needs the client's capabilities, created on `initialize`. */
interface Services {
  support: ClientSupport;
  settings: SettingsStore;
  checker: FileChecker;
  scanner: WorkspaceScanner;
  watcher: FileWatchHandler;
  codeActions: CodeActionProvider;
}

/** Starts serving on `connection` (used by dist/server.js and by `kube-mitm-guard lsp --stdio`). */
export function startServer(connection: Connection): void {
  raiseOptimizationBudget();
  const logger = createLogger(connection.console);
  const documents = new TextDocuments(TextDocument);
  const folders = new WorkspaceFolderList();
  const filter = new FileFilter();
  const status = new StatusReporter(connection);
  const publisher = new DiagnosticsPublisher(connection, () => status.schedule());
  const linker = new WorkspaceLinker(publisher, logger, (stats) => status.updateLink(stats));
  const hovers = new HoverProvider(documents, linker);
  status.publisher = publisher;
  const projectConfigs = new ProjectConfigStore(folders, documents, publisher, logger);
  const configReloadTimers = new Map<string, NodeJS.Timeout>();
  let settingsRefreshTimer: NodeJS.Timeout | undefined;
  let services: Services | undefined;

  const refreshOpenDocuments = async (): Promise<void> => {
    if (services === undefined) return;
    for (const document of documents.all()) {
      if (projectConfigs.folderOfConfigFile(document.uri) === undefined) await services.checker.checkDocument(document);
    }
  };

  /** Settings or folders changed: re-check what is open, then rescan (the scan cancels a running one). */
  const refreshEverything = async (reason: string): Promise<void> => {
    if (services === undefined) return;
    await refreshOpenDocuments();
    await updateDisabledState();
    await services.scanner.scan(reason);
  };

  /** The status item says "off" only when no folder checks anything. */
  const updateDisabledState = async (): Promise<void> => {
    const settings = services?.settings;
    if (settings === undefined || folders.all().length === 0) return;
    const scopes = await Promise.all(folders.all().map(async (folder) => (await settings.resolve(folder.uri)).settings.scope));
    status.setDisabled(scopes.every((scope) => scope === 'off'));
  };

  const onProjectConfigChanged = async (folder: Folder): Promise<void> => {
    if (services === undefined) return;
    await projectConfigs.reload(folder);
    services.settings.onProjectConfigChanged();
    await refreshEverything(`${path.basename(projectConfigs.configUriFor(folder) ?? '')} changed in ${folder.name}`);
  };

  const scheduleProjectConfigReload = (folder: Folder): void => {
    clearTimeout(configReloadTimers.get(folder.uri));
    configReloadTimers.set(
      folder.uri,
      setTimeout(() => {
        configReloadTimers.delete(folder.uri);
        void onProjectConfigChanged(folder).catch((error) => logger.error(describeError(error)));
      }, CONFIG_EDIT_DEBOUNCE_MS),
    );
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const support = clientSupport(params);
    folders.replaceAll(initialFolders(params));
    const settings = new SettingsStore(connection, logger, folders, projectConfigs, support.pullConfiguration, params.initializationOptions);
    const checker = new FileChecker(documents, settings, filter, linker, logger);
    services = {
      support,
      settings,
      checker,
      scanner: new WorkspaceScanner(connection, folders, settings, checker, publisher, linker, status, logger, support.workDoneProgress),
      watcher: new FileWatchHandler({ checker, publisher, projectConfigs, settings, filter, onProjectConfigChanged, logger }),
      codeActions: new CodeActionProvider(
        documents,
        checker,
        projectConfigs,
        linker,
        { documentChanges: support.documentChanges, createFiles: support.createFiles },
        logger,
      ),
    };
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_CODE_ACTION_KIND], resolveProvider: false },
        hoverProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'kube-mitm-guard' },
    };
  });

  connection.onInitialized(async () => {
    if (services === undefined) return;
    const { support, watcher } = services;
    logger.info(`kube-mitm-guard language server started (Node ${process.version}, ${folders.all().length} workspace folder(s)).`);
    if (support.dynamicConfigurationRegistration) {
      await connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION }).catch(() => undefined);
    }
    if (support.dynamicWatchRegistration) await watcher.register(connection);
    else logger.info('The client cannot watch files for us; use the rescan command after changes on disk.');
    if (support.workspaceFolderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        for (const folder of folders.remove(event.removed)) projectConfigs.forget(folder);
        folders.add(event.added);
        void Promise.all(folders.all().map((folder) => projectConfigs.reload(folder)))
          .then(() => services?.settings.onProjectConfigChanged())
          .then(() => refreshEverything('workspace folders changed'))
          .catch((error) => logger.error(describeError(error)));
      });
    }
    await Promise.all(folders.all().map((folder) => projectConfigs.reload(folder)));
    services.settings.onProjectConfigChanged();
    void refreshEverything('startup').catch((error) => logger.error(describeError(error)));
  });

  connection.onDidChangeConfiguration((params) => {
    if (services === undefined) return;
    services.settings.onConfigurationChanged(params.settings);
    clearTimeout(settingsRefreshTimer);
    settingsRefreshTimer = setTimeout(() => {
      settingsRefreshTimer = undefined;
      void refreshEverything('settings changed').catch((error) => logger.error(describeError(error)));
    }, SETTINGS_CHANGE_DEBOUNCE_MS);
  });

  connection.onDidChangeWatchedFiles((params) => services?.watcher.onDidChangeWatchedFiles(params));

  documents.onDidChangeContent(({ document }) => {
    const configFolder = projectConfigs.folderOfConfigFile(document.uri);
    if (configFolder !== undefined) scheduleProjectConfigReload(configFolder);
    else void services?.checker.checkDocument(document);
  });

  documents.onDidClose(({ document }) => {
    if (services === undefined) return;
    services.checker.forgetDocument(document.uri);
    const configFolder = projectConfigs.folderOfConfigFile(document.uri);
    if (configFolder !== undefined) {
      // Closing without saving discards the buffer: the file on disk applies again.
      scheduleProjectConfigReload(configFolder);
      return;
    }
    // Closing keeps the file in Problems: its findings now come from the disk (or clear, when not ours).
    // The disk check replaces the document's entry; clearing first would drop the file's facts from the
    // workspace index until then, and whatever is linked meanwhile would miss its roles and bindings.
    void services.checker.checkDiskFile(document.uri);
  });

  connection.onCodeAction((params) => services?.codeActions.provide(params) ?? []);

  connection.onHover((params) => hovers.provide(params));

  connection.onRequest(RESCAN_REQUEST, () => services?.scanner.scan('requested by the user') ?? null);

  connection.onShutdown(() => {
    services?.scanner.dispose();
    services?.watcher.dispose();
    linker.dispose();
    for (const timer of configReloadTimers.values()) clearTimeout(timer);
    clearTimeout(settingsRefreshTimer);
    status.dispose();
  });

  documents.listen(connection);
  connection.listen();
}

function clientSupport(params: InitializeParams): ClientSupport {
  const capabilities = params.capabilities;
  const workspaceEdit = capabilities.workspace?.workspaceEdit;
  return {
    pullConfiguration: capabilities.workspace?.configuration === true,
    dynamicConfigurationRegistration: capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true,
    dynamicWatchRegistration: capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
    workspaceFolderEvents: capabilities.workspace?.workspaceFolders === true,
    workDoneProgress: capabilities.window?.workDoneProgress === true,
    documentChanges: workspaceEdit?.documentChanges === true,
    createFiles: workspaceEdit?.resourceOperations?.includes('create') === true,
  };
}

/** Older clients send only rootUri (or rootPath); treat it as a single folder. */
function initialFolders(params: InitializeParams): WorkspaceFolder[] {
  if (params.workspaceFolders) return params.workspaceFolders;
  if (params.rootUri) return [{ uri: params.rootUri, name: path.basename(uriToFsPath(params.rootUri) ?? params.rootUri) }];
  return [];
}


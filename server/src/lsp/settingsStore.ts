// Effective settings per file: the editor's `kubeMitmGuard.*` settings (pulled with
// workspace/configuration) merged with the folder's `.kube-mitm-guard.yaml`.
import { Connection } from 'vscode-languageserver/node';
import { EffectiveSettings, GuardSettings, mergeSettings, SETTING_KEYS, validateSettings } from '../engine';
import { Logger } from './logger';
import { ProjectConfigStore } from './projectConfig';
import { SETTINGS_SECTION } from './protocol';
import { Folder, WorkspaceFolderList } from './workspaceFolders';
import { canonicalUri } from './uris';

export interface ResolvedSettings {
  settings: EffectiveSettings;
  folder: Folder | undefined;
  /** Bumped on every settings or config change; analysis caches compare it to know they are stale. */
  generation: number;
}

export class SettingsStore {
  /**
   * Editor settings per workspace folder (or per file outside any folder). VS Code resolves
   * resource-scoped settings per folder (user < workspace < folder settings.json), so asking once per
   * folder gives the same answer as asking per file, without a round trip for every file in a scan.
   */
  private readonly editorSettings = new Map<string, Promise<Partial<GuardSettings>>>();
  /** Settings pushed with didChangeConfiguration or given as initializationOptions, for clients that cannot be asked. */
  private pushedSettings: unknown;
  private loggedValidation = new Map<string, string>();
  private generationCounter = 0;

  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
    private readonly folders: WorkspaceFolderList,
    private readonly projectConfigs: ProjectConfigStore,
    private readonly canPullConfiguration: boolean,
    initializationOptions: unknown,
  ) {
    this.pushedSettings = sectionOf(initializationOptions);
  }

  get generation(): number {
    return this.generationCounter;
  }

  async resolve(uri: string): Promise<ResolvedSettings> {
    const generation = this.generationCounter;
    const folder = this.folders.folderFor(uri);
    const fromEditor = await this.editorSettingsFor(folder?.uri ?? canonicalUri(uri), folder);
    // The policy file sits at the folder root, so its globs and the editor's are relative to the same folder.
    const settings = mergeSettings([{ settings: fromEditor }, { settings: this.projectConfigs.settingsFor(folder) }]);
    return { settings, folder, generation };
  }

  /** didChangeConfiguration: forget everything pulled; `settings` is what push-only clients send. */
  onConfigurationChanged(settings: unknown): void {
    const pushed = sectionOf(settings);
    if (pushed !== undefined) this.pushedSettings = pushed;
    this.editorSettings.clear();
    this.generationCounter++;
  }

  /** A project config file changed: cached editor settings stay valid, merged results do not. */
  onProjectConfigChanged(): void {
    this.generationCounter++;
  }

  private editorSettingsFor(cacheKey: string, folder: Folder | undefined): Promise<Partial<GuardSettings>> {
    let cached = this.editorSettings.get(cacheKey);
    if (cached === undefined) {
      cached = this.pullEditorSettings(cacheKey, folder);
      this.editorSettings.set(cacheKey, cached);
    }
    return cached;
  }

  private async pullEditorSettings(scopeUri: string, folder: Folder | undefined): Promise<Partial<GuardSettings>> {
    let raw: unknown = this.pushedSettings;
    if (this.canPullConfiguration) {
      try {
        raw = await this.connection.workspace.getConfiguration({ scopeUri: folder?.uri ?? scopeUri, section: SETTINGS_SECTION });
      } catch (error) {
        this.logger.warn(`Could not read the editor settings for ${scopeUri}, using defaults: ${String(error)}`);
      }
    }
    const { settings, problems } = validateSettings(raw ?? {});
    const problemText = problems.join('\n');
    if (problemText !== '' && this.loggedValidation.get(scopeUri) !== problemText) {
      this.logger.warn(`Invalid ${SETTINGS_SECTION} settings for ${folder?.name ?? scopeUri} (ignored):\n${problemText}`);
    }
    this.loggedValidation.set(scopeUri, problemText);
    return settings;
  }
}

/** Accepts `{kubeMitmGuard: {...}}`, `{settings: {kubeMitmGuard: {...}}}` or the section itself. */
function sectionOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record[SETTINGS_SECTION] === 'object') return record[SETTINGS_SECTION];
  const nested = record.settings;
  if (typeof nested === 'object' && nested !== null) {
    const section = (nested as Record<string, unknown>)[SETTINGS_SECTION];
    if (typeof section === 'object') return section;
  }
  return SETTING_KEYS.some((key) => key in record) ? value : undefined;
}

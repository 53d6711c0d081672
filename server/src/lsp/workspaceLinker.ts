// Publishes every checked file's diagnostics through the workspace index: a file's own findings plus
// what the link phase adds or changes (bindings, aggregation, reach). When a file's facts change (an
// edit to a role or a binding, a file created or deleted on disk), the workspace is re-linked and every
// file whose linked findings changed is re-published, open or not, without re-reading any file.
import { Diagnostic } from 'vscode-languageserver/node';
import { applyLink, EngineOptions, FileFacts, FileLink, Finding, LinkedPath, LinkStats, linkSignature, WorkspaceIndex } from '../engine';
import { findingToDiagnostic } from './diagnostics';
import { DiagnosticOrigin, DiagnosticsPublisher } from './diagnosticsPublisher';
import { describeError, Logger } from './logger';
import { canonicalUri } from './uris';

interface CheckedFile {
  /** As published (the editor's spelling for open documents). */
  uri: string;
  origin: DiagnosticOrigin;
  findings: Finding[];
  version?: number;
  /** Whether the file has facts (roles, bindings, Services with externalIPs): other files can change its diagnostics. */
  linked: boolean;
  /** The workspace folder URI the file is linked with ('' outside every folder). */
  cluster: string;
  /** `linkCount` when what the link reads of the file last changed: links after it have seen it. */
  changedAt: number;
}

/** The paths behind a file's linked findings, and the folder its related files are named relative to. */
export interface LinkedPaths {
  paths: readonly LinkedPath[];
  cluster: string;
}

/**
 * Files read from disk (a scan) change facts file after file: re-link them at most this often, and at
 * most LINK_SHARE of the time (a huge workspace whose link takes long is linked less often).
 */
const RELINK_INTERVAL_MS = 150;
const LINK_SHARE = 0.25;

export class WorkspaceLinker {
  private readonly index = new WorkspaceIndex();
  private readonly files = new Map<string, CheckedFile>();
  /** Each file's `linkSignature` as last published: a re-judged file whose signature is unchanged is not re-sent. */
  private readonly publishedLinks = new Map<string, string>();
  private relinkTimer: NodeJS.Timeout | undefined;
  private lastRelink = 0;
  /** While a scan holds them, disk changes are linked once, when it ends (see holdRelinks). */
  private holds = 0;
  private heldChanges = false;
  /** Links made so far (successful ones). */
  private linkCount = 0;

  constructor(
    private readonly publisher: DiagnosticsPublisher,
    private readonly logger: Logger,
    private readonly onLinked: (stats: LinkStats) => void = () => undefined,
  ) {
    // Files cleared elsewhere (a folder removed, a file excluded or deleted) leave the index too.
    publisher.onCleared((key) => this.forget(key));
  }

  /**
   * Publishes a checked file. `cluster` groups the files whose roles, bindings and Services are linked
   * together (a workspace folder).
   */
  publish(uri: string, origin: DiagnosticOrigin, findings: Finding[], facts: FileFacts | undefined, options: EngineOptions, cluster: string, version?: number): void {
    const key = canonicalUri(uri);
    const factsChanged = this.index.set(key, facts, options, cluster);
    const previous = this.files.get(key);
    const changedAt = factsChanged || previous === undefined ? this.linkCount : previous.changedAt;
    this.files.set(key, { uri, origin, findings, version, linked: facts !== undefined, cluster, changedAt });
    if (factsChanged && origin === 'document') {
      // An edit: link first, so the edited file is published once, already linked (its findings'
      // keys moved with the edit, so the last link no longer fits them).
      this.cancelScheduledRelink();
      if (!this.relink().has(key)) this.send(key);
      return;
    }
    this.send(key);
    if (factsChanged) this.scheduleRelink();
  }

  /**
   * The paths behind the linked findings of a file, when the last link saw the facts of its text at
   * `version` (undefined: the file as read from disk); otherwise undefined (an edit not yet checked or
   * linked), as the paths' places would not fit the text.
   */
  linkedPaths(uri: string, version: number | undefined): LinkedPaths | undefined {
    const key = canonicalUri(uri);
    const file = this.files.get(key);
    if (file === undefined || file.version !== version || file.changedAt >= this.linkCount) return undefined;
    return { paths: this.index.linkOf(key)?.paths ?? [], cluster: file.cluster };
  }

  /**
   * A finding the last link added to a file (a binding's, an aggregation's, a shared externalIP's), under the
   * same condition as `linkedPaths`: that link saw the facts of the file's text at `version`.
   */
  linkedFinding(uri: string, version: number | undefined, findingKey: string): Finding | undefined {
    const key = canonicalUri(uri);
    const file = this.files.get(key);
    if (file === undefined || file.version !== version || file.changedAt >= this.linkCount) return undefined;
    return this.index.linkOf(key)?.added.find((finding) => finding.key === findingKey);
  }

  /** Clears a file's diagnostics and forgets its facts. */
  clear(uri: string): void {
    this.publisher.clear(uri);
    this.forget(canonicalUri(uri));
  }

  private forget(key: string): void {
    this.publishedLinks.delete(key);
    if (!this.files.delete(key)) return;
    if (this.index.delete(key)) this.scheduleRelink();
  }

  private send(key: string): void {
    const file = this.files.get(key);
    if (file === undefined) return;
    const diagnostics: Diagnostic[] = applyLink(file.findings, this.index.linkOf(key)).map((finding) =>
      findingToDiagnostic(finding, file.uri, file.version ?? null, this.uriOf),
    );
    this.publisher.publish(file.uri, file.origin, diagnostics, file.version, file.linked);
  }

  /** Related locations name files by canonical key; the client gets the spelling it uses. */
  readonly uriOf = (key: string): string => this.files.get(key)?.uri ?? key;

  private scheduleRelink(): void {
    if (this.holds > 0) {
      this.heldChanges = true;
      return;
    }
    if (this.relinkTimer !== undefined) return;
    const interval = Math.max(RELINK_INTERVAL_MS, this.index.stats.lastMs / LINK_SHARE);
    const wait = Math.max(0, this.lastRelink + interval - Date.now());
    this.relinkTimer = setTimeout(() => {
      this.relinkTimer = undefined;
      this.relink();
    }, wait);
  }

  /**
   * A scan reads many files: linking as they arrive would re-judge and re-publish the same files again
   * and again (every copy of a role, each time another binding of it arrives), so their changes are
   * linked once, when the scan releases the hold. An edit in an open document is still linked at once.
   */
  holdRelinks(): void {
    this.holds++;
  }

  /** Ends a hold; links now what changed meanwhile, so a scan's findings are final when it reports its end. */
  releaseRelinks(): void {
    this.holds = Math.max(0, this.holds - 1);
    if (this.holds > 0) return;
    const held = this.heldChanges;
    this.heldChanges = false;
    if (this.cancelScheduledRelink() || held) this.relink();
  }

  /** Links what changed and re-publishes the files whose linked findings changed; returns their keys. */
  private relink(): Set<string> {
    this.lastRelink = Date.now();
    const sent = new Set<string>();
    let judgedAgain: Map<string, FileLink | undefined>;
    try {
      judgedAgain = this.index.relink();
      this.linkCount++;
      this.onLinked(this.index.stats);
    } catch (error) {
      this.logger.error(`Linking the workspace failed: ${describeError(error)}`);
      return sent;
    }
    for (const [key, link] of judgedAgain) {
      const signature = linkSignature(link);
      const unchanged = (this.publishedLinks.get(key) ?? linkSignature(undefined)) === signature;
      this.publishedLinks.set(key, signature);
      if (unchanged) continue;
      this.send(key);
      sent.add(key);
    }
    return sent;
  }

  /** Returns whether a re-link was pending. */
  private cancelScheduledRelink(): boolean {
    if (this.relinkTimer === undefined) return false;
    clearTimeout(this.relinkTimer);
    this.relinkTimer = undefined;
    return true;
  }

  dispose(): void {
    this.cancelScheduledRelink();
  }
}

// Finding and reading candidate manifest files on disk, shared by the CLI and the language server's
// workspace scan. Node fs only (no vscode); nothing here throws for files that vanish mid-scan.
import * as fsSync from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import picomatch from 'picomatch';

export const ALWAYS_EXCLUDED_DIRS: readonly string[] = ['node_modules', '.git', 'vendor'];

const CANDIDATE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Like git, look for NUL bytes only near the start to tell binary files from text. */
const BINARY_SNIFF_BYTES = 8 * 1024;

export function isCandidateFileName(filePath: string): boolean {
  return CANDIDATE_EXTENSIONS.has(path.extname(filePath).toLowerCase());
}

function toGlobPath(relativePath: string): string {
  return relativePath.split(path.sep).join('/').replace(/^\.\//, '');
}

/**
 * A matcher for paths relative to a root (forward slashes or the platform's). Like .gitignore: a
 * glob without a slash matches a file or folder name at any depth, one with a slash is anchored at
 * the root, and excluding a folder excludes everything in it.
 */
export function createGlobMatcher(globs: readonly string[]): (relativePath: string) => boolean {
  const patterns = globs
    .map((glob) => glob.trim())
    // Negated globs would mean "everything except", so they are ignored (the config validator says so).
    .filter((glob) => glob !== '' && !glob.startsWith('!'))
    .map((glob) => glob.replace(/^\.\//, '').replace(/\/+$/, ''))
    .map((glob) => (glob.startsWith('/') ? glob.slice(1) : glob.includes('/') ? glob : `**/${glob}`))
    .filter((glob) => glob !== '');
  if (patterns.length === 0) return () => false;
  const matchesGlob = picomatch(patterns, { dot: true });
  return (relativePath: string) => {
    const segments = pathSegments(relativePath);
    // Test the path and each folder above it, so `build` or `charts/**` exclude what lies inside.
    for (let length = 1; length <= segments.length; length++) {
      if (matchesGlob(segments.slice(0, length).join('/'))) return true;
    }
    return false;
  };
}

/** The editor's and the CLI's exclusion: the user's globs plus the always-excluded folders. */
export function createExcludeMatcher(globs: string[]): (relativePath: string) => boolean {
  const matchesGlob = createGlobMatcher(globs);
  const alwaysExcluded = new Set(ALWAYS_EXCLUDED_DIRS);
  return (relativePath: string) =>
    pathSegments(relativePath).some((segment) => alwaysExcluded.has(segment)) || matchesGlob(relativePath);
}

function pathSegments(relativePath: string): string[] {
  return toGlobPath(relativePath).split('/').filter((segment) => segment !== '' && segment !== '.');
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

interface PendingEntry {
  absolutePath: string;
  relativePath: string;
  kind: 'directory' | 'file' | 'symlink';
  /**
   * A directory's real path when it is known without asking the file system: a directory entry that is not
   * a symbolic link, in a folder whose real path is known, is that real path plus its name.
   */
  realPath?: string;
}

export interface DiscoverOptions {
  exclude: string[];
  /**
   * The folder `exclude` globs are relative to (default: `root`). Lets a subfolder of a workspace
   * folder be walked with the workspace folder's excludes (the language server does this for a folder
   * created on disk). A root outside it is walked as if it were the base.
   */
  excludeBase?: string;
  signal?: AbortSignal;
  onSkip?: (path: string, reason: string) => void;
}

/**
 * Yields the absolute paths of candidate files under `root` in a deterministic order (depth first,
 * names sorted by code unit). A file given as root yields itself when it is a candidate. Symlinked
 * folders are followed once (by real path), so link loops end. Stops quietly when aborted.
 */
export async function* discoverFiles(root: string, options: DiscoverOptions): AsyncGenerator<string> {
  const { signal, onSkip } = options;
  const isExcluded = createExcludeMatcher(options.exclude);
  const rootPath = path.resolve(root);
  let rootStat;
  try {
    rootStat = await fs.stat(rootPath);
  } catch (error) {
    onSkip?.(rootPath, `cannot read: ${errorCode(error)}`);
    return;
  }
  if (!rootStat.isDirectory()) {
    if (rootStat.isFile() && isCandidateFileName(rootPath)) yield rootPath;
    return;
  }

  const visitedDirectories = new Set<string>();
  const pending: PendingEntry[] = [{ absolutePath: rootPath, relativePath: relativeToBase(options.excludeBase, rootPath), kind: 'directory' }];
  while (pending.length > 0) {
    if (signal?.aborted) return;
    const entry = pending.pop()!;
    let kind: 'directory' | 'file' | 'other' = entry.kind === 'symlink' ? 'other' : entry.kind;
    if (entry.kind === 'symlink') {
      try {
        const target = await fs.stat(entry.absolutePath);
        kind = target.isDirectory() ? 'directory' : target.isFile() ? 'file' : 'other';
      } catch (error) {
        if (isCandidateFileName(entry.absolutePath)) onSkip?.(entry.absolutePath, `broken symbolic link: ${errorCode(error)}`);
        continue;
      }
    }
    if (kind === 'file') {
      if (isCandidateFileName(entry.absolutePath)) yield entry.absolutePath;
      continue;
    }
    if (kind !== 'directory') continue;

    let realPath: string;
    let names: { name: string; kind: PendingEntry['kind'] | 'other' }[];
    try {
      // Only the root and what a symbolic link leads to need the file system's answer (one call per folder
      // was most of the walk's cost on a large tree).
      realPath = entry.realPath ?? (await fs.realpath(entry.absolutePath));
      if (visitedDirectories.has(realPath)) continue; // a symlink back into the tree
      visitedDirectories.add(realPath);
      const dirents = await fs.readdir(entry.absolutePath, { withFileTypes: true });
      names = dirents.map((dirent) => ({
        name: dirent.name,
        kind: dirent.isDirectory() ? 'directory' : dirent.isFile() ? 'file' : dirent.isSymbolicLink() ? 'symlink' : 'other',
      }));
    } catch (error) {
      onSkip?.(entry.absolutePath, `cannot read folder: ${errorCode(error)}`);
      continue;
    }
    // Reverse-sorted onto the stack, so entries come off it in sorted order.
    names.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    for (const { name, kind: childKind } of names) {
      if (childKind === 'other') continue; // sockets, FIFOs, devices: reading them could block
      const relativePath = entry.relativePath === '' ? name : `${entry.relativePath}/${name}`;
      if (isExcluded(relativePath)) continue;
      if (childKind === 'file' && !isCandidateFileName(name)) continue;
      pending.push({
        absolutePath: path.join(entry.absolutePath, name),
        relativePath,
        kind: childKind,
        ...(childKind === 'directory' ? { realPath: path.join(realPath, name) } : {}),
      });
    }
  }
}

/** The root's glob path relative to the exclude base ('' when it is the base or outside it). */
function relativeToBase(base: string | undefined, rootPath: string): string {
  if (base === undefined) return '';
  const relative = path.relative(path.resolve(base), rootPath);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return '';
  return toGlobPath(relative);
}

/** A size as the skip messages write it (`512 bytes`, `3 KB`, `2048 KB`, `256 MB`: MB from 10 MB on). */
export function formatSize(bytes: number): string {
  const megabyte = 1024 * 1024;
  if (bytes >= 10 * megabyte) return `${Math.ceil(bytes / megabyte)} MB`;
  return bytes >= 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${bytes} bytes`;
}

/**
 * A manifest's text as kubectl reads a file: its file reader (cli-runtime's FileVisitor, through
 * `unicode.BOMOverride(unicode.UTF8.NewDecoder())`) decodes UTF-16 by its byte order mark and replaces
 * invalid UTF-8 with U+FFFD before the YAML or JSON decoder sees anything. `lossy` says when the text is
 * not the file's bytes, and why: such a text must never be written back in place of the file.
 */
export type ManifestText = { text: string; lossy?: LossyReason };

/** `invalid-utf8`: invalid byte sequences were replaced by U+FFFD; `utf16`: the file is UTF-16. */
export type LossyReason = 'invalid-utf8' | 'utf16';

/** How a lossy text was read, for messages ("read … as kubectl reads it"). */
export const LOSSY_READS: Record<LossyReason, string> = {
  'invalid-utf8': 'with its invalid UTF-8 bytes replaced by U+FFFD',
  utf16: 'transcoded from UTF-16',
};

/** A manifest's text, or why it was not read. */
export type ManifestRead = ManifestText | { skipped: string };

/** The byte order of a UTF-16 byte order mark at the start of the bytes, if there is one. */
function utf16ByteOrder(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * Decodes a manifest's bytes as kubectl does (see `ManifestText`). A UTF-8 byte order mark is kept in the
 * text (the engine's offsets count it, and fixes write it back); a UTF-16 one is not (the text is
 * transcoded anyway, as an editor shows it). Both decoders replace what they cannot decode by U+FFFD as
 * Go's do (the maximal ill-formed subsequence for UTF-8, an unpaired surrogate or a trailing odd byte for
 * UTF-16). Nothing is refused: go-yaml alone would refuse invalid UTF-8, but `kubectl apply -f` never
 * hands it any, so skipping such a file would let what kubectl applies through.
 */
export function decodeManifestBytes(bytes: Uint8Array): ManifestRead {
  const utf16 = utf16ByteOrder(bytes);
  if (utf16 !== undefined) return { text: new TextDecoder(utf16).decode(bytes), lossy: 'utf16' };
  try {
    // ignoreBOM keeps the BOM in the text instead of silently stripping it.
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), lossy: 'invalid-utf8' };
  }
}

/**
 * Reads a file as UTF-8 text for analysis (see `decodeManifestBytes`), or says why it was skipped.
 * Never throws. For the language server's main thread, which must not block on a slow disk; a thread
 * or process that has nothing else to do uses `readManifestFileSync`, several times cheaper per file
 * (each asynchronous step is a round trip through libuv's thread pool).
 */
export async function readManifestFile(filePath: string, maxBytes: number): Promise<ManifestRead> {
  try {
    // Opened without blocking and checked through the handle: a path checked with stat() and opened
    // afterwards can be swapped for a FIFO in between, and opening a FIFO for reading blocks (a scan
    // would hang forever on a thread-pool thread).
    const handle = await fs.open(filePath, OPEN_FLAGS);
    try {
      const stat = await handle.stat();
      const refusal = refusalBeforeReading(stat, maxBytes, MAX_FILE_SIZE_SETTING);
      if (refusal !== undefined) return refusal;
      const buffer = new ReadBuffer(stat.size, maxBytes);
      while (buffer.makeRoom()) {
        const { bytesRead } = await handle.read(buffer.bytes, buffer.length, buffer.room, null);
        if (bytesRead === 0) break;
        buffer.advance(bytesRead);
      }
      return decodeReadBytes(buffer.read(), maxBytes, MAX_FILE_SIZE_SETTING);
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { skipped: `cannot read file: ${errorCode(error)}` };
  }
}

/**
 * `readManifestFile`, blocking: for scan worker threads and the command line. `limitName` names the limit in
 * a refusal (the command line's explicitly named files have a limit of their own).
 */
export function readManifestFileSync(filePath: string, maxBytes: number, limitName: string = MAX_FILE_SIZE_SETTING): ManifestRead {
  try {
    const fd = fsSync.openSync(filePath, OPEN_FLAGS);
    try {
      const stat = fsSync.fstatSync(fd);
      const refusal = refusalBeforeReading(stat, maxBytes, limitName);
      if (refusal !== undefined) return refusal;
      const buffer = new ReadBuffer(stat.size, maxBytes, syncScratch);
      while (buffer.makeRoom()) {
        const bytesRead = fsSync.readSync(fd, buffer.bytes, buffer.length, buffer.room, null);
        if (bytesRead === 0) break;
        buffer.advance(bytesRead);
      }
      const read = decodeReadBytes(buffer.read(), maxBytes, limitName);
      if (buffer.bytes.length <= MAX_SCRATCH_BYTES && buffer.bytes.length > syncScratch.length) syncScratch = buffer.bytes;
      return read;
    } finally {
      fsSync.closeSync(fd);
    }
  } catch (error) {
    return { skipped: `cannot read file: ${errorCode(error)}` };
  }
}

const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

/**
 * The blocking reads' buffer, reused from file to file: only the decoded text outlives a read, and a scan
 * worker reads a thousand files in a row (a fresh buffer per file made its garbage collector run more).
 * Kept up to this size; larger files get a buffer of their own.
 */
const MAX_SCRATCH_BYTES = 4 * 1024 * 1024;
let syncScratch: Buffer = Buffer.alloc(0);

/** The setting that limits files found by walking folders (and the editor's); messages name the limit they apply. */
const MAX_FILE_SIZE_SETTING = 'maxFileSizeKB';

function refusalBeforeReading(stat: { isFile(): boolean; size: number }, maxBytes: number, limitName: string): { skipped: string } | undefined {
  if (!stat.isFile()) return { skipped: 'not a regular file' };
  if (stat.size > maxBytes) {
    return { skipped: `file is ${formatSize(stat.size)} (${stat.size} bytes), over the size limit of ${formatSize(maxBytes)} (${limitName})` };
  }
  return undefined;
}

function decodeReadBytes(bytes: Uint8Array | 'too-large', maxBytes: number, limitName: string): ManifestRead {
  if (bytes === 'too-large') {
    return { skipped: `file grew past the size limit of ${formatSize(maxBytes)} (${limitName}) while being read` };
  }
  // UTF-16 text has NUL bytes in it (every ASCII character has one); it is recognised by its byte order mark.
  if (utf16ByteOrder(bytes) === undefined && bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    return { skipped: 'binary file (contains NUL bytes)' };
  }
  return decodeManifestBytes(bytes);
}

/**
 * The bytes of one file read to its end, at most `maxBytes` + 1 of them (one more than the limit tells
 * a file that grew past it since it was stat'ed). Sized from the stat, so a file that did not change is
 * read with one call; it grows for a file that grew.
 */
class ReadBuffer {
  bytes: Buffer;
  length = 0;
  private readonly capacity: number;

  /** `scratch`: a buffer to read into when it is large enough (its bytes are overwritten). */
  constructor(statSize: number, maxBytes: number, scratch?: Buffer) {
    this.capacity = maxBytes + 1;
    // One byte past the stat'ed size, so the read that finds the end fits without growing.
    const size = Math.min(statSize + 1, this.capacity);
    this.bytes = scratch !== undefined && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
  }

  /** Makes room for the next read; false once it holds `maxBytes` + 1 bytes (over the limit: stop reading). */
  makeRoom(): boolean {
    if (this.length < this.bytes.length) return true;
    if (this.bytes.length >= this.capacity) return false;
    const grown = Buffer.allocUnsafe(Math.min(this.bytes.length * 2, this.capacity));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
    return true;
  }

  get room(): number {
    return this.bytes.length - this.length;
  }

  advance(bytesRead: number): void {
    this.length += bytesRead;
  }

  read(): Buffer | 'too-large' {
    return this.length >= this.capacity ? 'too-large' : this.bytes.subarray(0, this.length);
  }
}

// A real temporary folder on disk for tests, optionally filled with files (relative path → content).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export class TempDir {
  readonly root: string;

  constructor(files: Record<string, string | Buffer> = {}, prefix = 'kmg-test-') {
    this.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
    for (const [relativePath, content] of Object.entries(files)) this.write(relativePath, content);
  }

  path(relativePath = '.'): string {
    return path.join(this.root, relativePath);
  }

  write(relativePath: string, content: string | Buffer): string {
    const target = this.path(relativePath);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    return target;
  }

  read(relativePath: string): string {
    return fs.readFileSync(this.path(relativePath), 'utf8');
  }

  remove(relativePath: string): string {
    const target = this.path(relativePath);
    fs.rmSync(target, { recursive: true, force: true });
    return target;
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

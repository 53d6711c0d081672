// Real temporary workspace folders on disk for the language-server tests, plus the manifests they use.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** One external-ips error expected at the `- 1.2.3.4` entry: line 6, characters 6..13. */
export const SERVICE_WITH_EXTERNAL_IP = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  externalIPs:',
  '    - 1.2.3.4',
  '',
].join('\n');

export const EXTERNAL_IP_RANGE = { start: { line: 6, character: 6 }, end: { line: 6, character: 13 } };

export const SERVICE_WITH_TWO_EXTERNAL_IPS = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  externalIPs:',
  '    - 1.2.3.4',
  '    - 9.9.9.9',
  '',
].join('\n');

export const SERVICE_WITH_LOADBALANCER_STATUS = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: lb',
  'spec:',
  '  type: LoadBalancer',
  'status:',
  '  loadBalancer:',
  '    ingress:',
  '      - ip: 5.6.7.8',
  '',
].join('\n');

export const CLEAN_SERVICE = ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: clean', 'spec:', '  ports:', '    - port: 80', ''].join(
  '\n',
);

export class TempWorkspace {
  readonly root: string;

  constructor(files: Record<string, string | Buffer> = {}) {
    this.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-lsp-')));
    for (const [relativePath, content] of Object.entries(files)) this.write(relativePath, content);
  }

  path(relativePath: string): string {
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

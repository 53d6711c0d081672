// Real temporary workspace folders on disk for the language-server tests, plus the manifests they use.
import { TempDir } from '../support/tempDir';

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

/** A temporary workspace folder for the language-server tests. */
export class TempWorkspace extends TempDir {
  constructor(files: Record<string, string | Buffer> = {}) {
    super(files, 'kmg-lsp-');
  }
}

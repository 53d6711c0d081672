// Services with externalIPs for the tests of external-ip-conflict, at engine, protocol and CLI level.
import { yaml } from './engine';

/** The 0-based line of a Service's first externalIPs entry (see `externalIpService`). */
export const FIRST_ENTRY_LINE = 6;

/**
 * A core Service: `metadata` and `ports` as flow YAML, then one block entry per externalIP from line
 * FIRST_ENTRY_LINE.
 */
export function externalIpService(metadata: string, ports: string, ...externalIPs: string[]): string {
  return yaml('apiVersion: v1', 'kind: Service', `metadata: ${metadata}`, 'spec:', `  ports: ${ports}`, '  externalIPs:', ...externalIPs.map((ip) => `    - ${ip}`));
}

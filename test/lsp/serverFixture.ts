// A running server on a workspace holding one file with one finding, started and disposed by the
// enclosing describe block's hooks: the baseline that robustness tests check is still being served.
import { after, before } from 'node:test';
import { LspTestClient } from './lspTestClient';
import { SERVICE_WITH_EXTERNAL_IP, TempWorkspace } from './workspaceFixtures';

export interface ServerWithOneFinding {
  readonly client: LspTestClient;
  readonly workspace: TempWorkspace;
}

export function useServerWithOneFinding(): ServerWithOneFinding {
  let client: LspTestClient | undefined;
  let workspace: TempWorkspace | undefined;
  before(async () => {
    workspace = new TempWorkspace({ 'good.yaml': SERVICE_WITH_EXTERNAL_IP });
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });
  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });
  return {
    get client() {
      if (!client) throw new Error('the server is not started yet');
      return client;
    },
    get workspace() {
      if (!workspace) throw new Error('the workspace is not created yet');
      return workspace;
    },
  };
}

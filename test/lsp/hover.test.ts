// Hovers on linked RBAC findings over the real protocol: the path from a subject to the granting rule,
// and from a granting rule to everyone who holds it, with links to the files and lines of each step,
// as the last link (after edits in other files too) recorded it. Nowhere else is there a hover.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { yaml } from '../support/engine';
import { clusterRoleBinding } from '../support/rbacFixtures';
import { fileUri, LspTestClient } from './lspTestClient';
import { CLEAN_SERVICE, TempWorkspace } from './workspaceFixtures';

// binding.yaml binds lb-ops to developers (line 6) and to a kube-system ServiceAccount (line 7, control
// plane: no finding); lb-ops aggregates piece, whose rule (lines 6-8) grants patch on services/status.
const BINDING = clusterRoleBinding('lb-ops', '{kind: Group, name: developers}', '{kind: ServiceAccount, name: lb, namespace: kube-system}');
const AGGREGATOR = yaml(
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: ClusterRole',
  'metadata:',
  '  name: lb-ops',
  'aggregationRule:',
  '  clusterRoleSelectors:',
  '  - matchLabels: {example.com/lb: "true"}',
);
const PIECE = yaml(
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: ClusterRole',
  'metadata:',
  '  name: piece',
  '  labels: {example.com/lb: "true"}',
  'rules:',
  '- apiGroups: [""]',
  '  resources: [services/status]',
  '  verbs: [patch]',
);

const RULE_TEXT = '`apiGroups [""], resources ["services/status"], verbs ["patch"]`';

function markdown(hover: Hover | null): string {
  assert.ok(hover, 'a hover');
  const contents = hover.contents as MarkupContent;
  assert.equal(contents.kind, 'markdown');
  return contents.value;
}

describe('language server: hovers on the path behind a linked finding', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;
  /** `[rbac/<name>:<line>](<uri>#L<line>)`, as the hover links a step (1-based line). */
  let link: (name: string, line: number) => string;

  before(async () => {
    workspace = new TempWorkspace({
      'rbac/binding.yaml': BINDING,
      'rbac/aggregator.yaml': AGGREGATOR,
      'rbac/piece.yaml': PIECE,
      'service.yaml': CLEAN_SERVICE,
    });
    link = (name, line) => `[rbac/${name}:${line}](${fileUri(workspace.path(`rbac/${name}`))}#L${line})`;
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
    await client.waitForDiagnostics(workspace.path('rbac/binding.yaml'), (list) => list.length === 1, 'the binding finding');
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('advertises hovers', () => {
    assert.equal(client.initializeResult?.capabilities.hoverProvider, true);
  });

  it('on a subject: who, where, through which binding, role and aggregated role, down to the granting rule', async () => {
    const hover = await client.hover(workspace.path('rbac/binding.yaml'), { line: 6, character: 12 });
    assert.equal(
      markdown(hover),
      [
        '**Group developers** (people) gets patch/update on services/status in every namespace:',
        '',
        `- ClusterRoleBinding **bind** · ${link('binding.yaml', 4)}`,
        `- ClusterRole **lb-ops** · ${link('aggregator.yaml', 4)}`,
        `  - aggregates ClusterRole **piece** · ${link('piece.yaml', 4)}`,
        `    - rule · ${link('piece.yaml', 7)} · ${RULE_TEXT}`,
      ].join('\n'),
    );
    // The hover covers the subject's entry.
    assert.deepEqual(hover?.range, { start: { line: 6, character: 2 }, end: { line: 6, character: 33 } });
  });

  it('on the granting rule: everyone who holds it, through which binding and aggregation', async () => {
    const piece = workspace.path('rbac/piece.yaml');
    const onVerbs = markdown(await client.hover(piece, { line: 8, character: 10 }));
    assert.equal(
      onVerbs,
      [
        'ClusterRole **piece**: this rule grants patch/update on services/status.',
        '',
        'Held by:',
        '',
        `- **Group developers** (people) in every namespace ← ClusterRoleBinding **bind** · ${link('binding.yaml', 7)} ← ClusterRole **lb-ops** · ${link('aggregator.yaml', 4)}`,
        `- **ServiceAccount kube-system/lb** (control plane) in every namespace ← ClusterRoleBinding **bind** · ${link('binding.yaml', 8)} ← ClusterRole **lb-ops** · ${link('aggregator.yaml', 4)}`,
      ].join('\n'),
    );
    // Anywhere on the rule, not only on the finding's `services/status`.
    assert.equal(markdown(await client.hover(piece, { line: 6, character: 4 })), onVerbs);
    // The aggregating role's finding (at its aggregationRule) shows what it collects and who holds it.
    const aggregation = markdown(await client.hover(workspace.path('rbac/aggregator.yaml'), { line: 4, character: 3 }));
    assert.match(aggregation, /^ClusterRole \*\*lb-ops\*\* aggregates patch\/update on services\/status:/);
    assert.ok(aggregation.includes(`    - rule · ${link('piece.yaml', 7)} · ${RULE_TEXT}`), aggregation);
    assert.ok(aggregation.includes(`- **Group developers** (people) in every namespace ← ClusterRoleBinding **bind** · ${link('binding.yaml', 7)}\n`), aggregation);
  });

  it('no hover elsewhere: other lines, a subject with no finding, a file with nothing linked', async () => {
    const binding = workspace.path('rbac/binding.yaml');
    assert.equal(await client.hover(binding, { line: 0, character: 3 }), null);
    assert.equal(await client.hover(binding, { line: 6, character: 0 }), null, 'the `-` before the entry');
    assert.equal(await client.hover(binding, { line: 7, character: 12 }), null, 'the control-plane subject');
    assert.equal(await client.hover(workspace.path('rbac/piece.yaml'), { line: 4, character: 5 }), null, 'the labels');
    assert.equal(await client.hover(workspace.path('service.yaml'), { line: 3, character: 5 }), null);
    assert.equal(await client.hover(workspace.path('missing.yaml'), { line: 0, character: 0 }), null);
  });

  it('after an edit in another file, shows the new path', async () => {
    const aggregator = workspace.path('rbac/aggregator.yaml');
    const bindingPath = workspace.path('rbac/binding.yaml');
    // Two lines above lb-ops move its definition; the binding's diagnostics do not change, its hover does.
    await client.openDocument(aggregator, AGGREGATOR);
    const moved = await client.changeDocument(aggregator, '# moved\n# down\n' + AGGREGATOR);
    await client.waitFor('the moved aggregator published', () => client.publishLog.some((entry) => entry.uri === fileUri(aggregator) && entry.version === moved.version));
    const subject = markdown(await client.hover(bindingPath, { line: 6, character: 12 }));
    assert.ok(subject.includes(`- ClusterRole **lb-ops** · ${link('aggregator.yaml', 6)}\n`), subject);

    // The binding now refers to another role: the rule is held by no one the workspace knows.
    await client.openDocument(bindingPath, BINDING);
    await client.changeDocument(bindingPath, BINDING.replace('name: lb-ops', 'name: something-else'));
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 0, 'the binding finding gone');
    const rule = markdown(await client.hover(workspace.path('rbac/piece.yaml'), { line: 7, character: 5 }));
    assert.match(rule, /\n\nNot bound in this workspace: who holds it is unknown\.$/);
    assert.equal(await client.hover(bindingPath, { line: 6, character: 12 }), null);
    await client.closeDocument(bindingPath);
    await client.closeDocument(aggregator);
  });
});

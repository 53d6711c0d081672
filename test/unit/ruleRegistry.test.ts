// The rule modules are the one list of rules: the rule ids, the editor's settings, the policy file's
// schema and the pre-check's trigger words must all follow it. Adding a rule and forgetting one of
// them fails here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { mightHaveFindings } from '../../server/src/engine/prefilter';
import { RULE_MODULES, RULES, TRIGGER_WORD_SETS } from '../../server/src/engine/rules/registry';
import { RULE_IDS } from '../../server/src/engine/types';
import { REPO_ROOT } from '../support/engine';

const registryIds = RULE_MODULES.flatMap((module) => module.rules.map((rule) => rule.id));

describe('rule registry', () => {
  it('lists every rule id exactly once, in the order of RULE_IDS', () => {
    assert.deepEqual(registryIds, [...RULE_IDS]);
    assert.deepEqual(Object.keys(RULES), [...RULE_IDS]);
  });

  it("matches package.json's kubeMitmGuard.rules (ids, defaults) and the policy file schema", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const settings = manifest.contributes.configuration.properties['kubeMitmGuard.rules'].properties as Record<string, { default: string }>;
    assert.deepEqual(Object.keys(settings), registryIds);
    for (const id of RULE_IDS) assert.equal(settings[id].default, RULES[id].defaultSeverity, id);
    const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'kube-mitm-guard.schema.json'), 'utf8'));
    assert.deepEqual(Object.keys(schema.properties.rules.properties), registryIds);
  });

  it('gives every module trigger words, and the pre-check lets each set through', () => {
    for (const module of RULE_MODULES) assert.ok(module.triggers.length > 0, module.rules[0].id);
    for (const words of TRIGGER_WORD_SETS) {
      assert.ok(words.length > 0);
      assert.equal(mightHaveFindings(words.join('\n')), true, words.join(' '));
    }
  });

  it('documents every rule in the README under its anchor', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const id of RULE_IDS) assert.ok(readme.includes(`<a id="rule-${id}"></a>`), `README has no section for ${id}`);
  });
});

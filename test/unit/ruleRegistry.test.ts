// The rule modules are the one list of rules: the rule ids, the editor's settings, the policy file's
// schema, the pre-check's trigger words and the fixes must all follow it. Adding a rule and forgetting one of
// them fails here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeDetailed } from '../../server/src/engine/analyze';
import { mightHaveFindings } from '../../server/src/engine/prefilter';
import { RULE_FIXES, RULE_MODULES, RULES, TRIGGER_WORD_SETS } from '../../server/src/engine/rules/registry';
import { RULE_IDS } from '../../server/src/engine/types';
import { AUDIT_RULE_IDS, AUDIT_RULES } from '../../server/src/engine/audit/auditRules';
import { loadEvasionCases, REPO_ROOT } from '../support/engine';

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

  it("builds text fixes for every rule and target kind the checks report, in the rule's own module (evasion fixtures)", () => {
    // Whether the module of a finding's rule built a candidate for at least one finding of each rule and target kind.
    const built = new Map<string, boolean>();
    for (const testCase of loadEvasionCases()) {
      const text = testCase.text;
      const analysis = analyzeDetailed(text, { allowedCidrs: testCase.allowedCidrs, rules: {} });
      for (const finding of analysis.findings) {
        const target = finding.target;
        // A report-only target is a finding no edit resolves safely (its module offers no fix for it by design);
        // as fixes.ts, no text fix from a target reached through an alias or in embedded text (an inline patch).
        if (!target || finding.reachedThrough || finding.embedded || target.kind === 'report-only') continue;
        const textFixes = RULE_FIXES.get(finding.code)?.textFixes;
        const candidates = textFixes ? textFixes({ text, analysis, finding, target }) : [];
        const seen = `${finding.code} ${target.kind}`;
        built.set(seen, (built.get(seen) ?? false) || candidates.length > 0);
      }
    }
    assert.deepEqual([...built].filter(([, any]) => !any).map(([seen]) => seen), []);
    // Every module with a check is exercised here.
    const rulesSeen = new Set([...built.keys()].map((seen) => seen.split(' ')[0]));
    for (const module of RULE_MODULES.filter((candidate) => candidate.check)) {
      assert.ok(module.rules.some((rule) => rulesSeen.has(rule.id)), `no evasion fixture has a finding of ${module.rules[0].id}`);
    }
  });

  it('documents every rule in the README under its anchor', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const id of RULE_IDS) assert.ok(readme.includes(`<a id="rule-${id}"></a>`), `README has no section for ${id}`);
  });

  it('keeps the audit-log rules apart from the manifest rules (no settings, no fixes), each documented in the README', () => {
    const manifestIds: readonly string[] = RULE_IDS;
    assert.equal(new Set(AUDIT_RULE_IDS).size, AUDIT_RULE_IDS.length);
    for (const id of AUDIT_RULE_IDS) {
      assert.ok(!manifestIds.includes(id), `${id} is a manifest rule id too`);
      assert.equal(AUDIT_RULES[id].id, id);
    }
    assert.deepEqual(Object.keys(AUDIT_RULES), [...AUDIT_RULE_IDS]);
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const id of AUDIT_RULE_IDS) assert.ok(readme.includes(`<a id="rule-${id}"></a>`), `README has no section for ${id}`);
  });
});

// The language server and the CLI raise V8's optimisation budget (server/src/lsp/optimizationBudget.ts),
// unless the process was started with a budget of its own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { optimizationBudgetFlag, SERVER_INTERRUPT_BUDGET } from '../../server/src/lsp/optimizationBudget';

describe('optimisation budget', () => {
  it('sets 8 times Node 20\'s default budget when the process has none of its own', () => {
    assert.equal(SERVER_INTERRUPT_BUDGET, 540_672);
    assert.equal(optimizationBudgetFlag([]), '--interrupt-budget=540672');
    assert.equal(optimizationBudgetFlag(['--max-old-space-size=4096', '--inspect']), '--interrupt-budget=540672');
  });

  it('leaves a budget given on the command line alone, however it is spelt', () => {
    for (const given of ['--interrupt-budget=1000', '--interrupt_budget=1000', '--interrupt-budget']) {
      assert.equal(optimizationBudgetFlag(['--enable-source-maps', given]), undefined, given);
    }
  });

  it('is not fooled by a flag that merely starts with the same words', () => {
    assert.equal(optimizationBudgetFlag(['--interrupt-budget-for-maglev=10']), '--interrupt-budget=540672');
  });
});

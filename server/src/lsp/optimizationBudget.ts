// V8 hands a function to its optimising compiler (TurboFan) once the function has run a budget of bytecode
// (`--interrupt-budget`, 67,584 bytes in Node 20). The language server starts each workspace scan in fresh
// isolates (every scan worker is one), and a cold scan is a burst of about a second: V8 then spent about a
// third of the scan's CPU compiling the yaml lexer, parser and pre-check with TurboFan, once per isolate,
// for code that ran only a little longer (measured per thread; docs/performance.md "Optimisation budget").
// With a budget 8 times as large, code still reaches TurboFan when it keeps running (a long edit session,
// a rescan), and short bursts stay in V8's baseline tiers.
import * as v8 from 'node:v8';

/** 8 × Node 20's default budget. */
export const SERVER_INTERRUPT_BUDGET = 8 * 67_584;

const BUDGET_FLAG = '--interrupt-budget';

/** The V8 flag the server sets, or undefined when the process was started with its own budget (that one wins). */
export function optimizationBudgetFlag(execArgv: readonly string[]): string | undefined {
  // V8 takes `_` and `-` alike in flag names.
  const given = execArgv.map((arg) => arg.replace(/_/g, '-')).some((arg) => arg === BUDGET_FLAG || arg.startsWith(`${BUDGET_FLAG}=`));
  return given ? undefined : `${BUDGET_FLAG}=${SERVER_INTERRUPT_BUDGET}`;
}

/**
 * Raises V8's optimisation budget for this process. Called when the server starts, before any scan worker
 * exists: V8 flags are per process, and each worker's isolate reads them when it is created.
 */
export function raiseOptimizationBudget(): void {
  const flag = optimizationBudgetFlag(process.execArgv);
  if (flag !== undefined) v8.setFlagsFromString(flag);
}

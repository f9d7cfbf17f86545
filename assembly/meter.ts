// The deterministic work meter shared by every solver. One unit is one elementary step of a
// search (a candidate checked during refinement, an assignment tried, a particle's stage sampled),
// so the same input always costs the same work on any machine; the host turns work into time
// (ns per unit) when it simulates decisions, and `budget` bounds a solve by it. A search checks
// the budget between its steps (an assignment and its refinement, a particle's update and draw),
// so it may overrun by at most one step.

export let workUsed: u64 = 0;
export let workBudget: u64 = 0;
/** Set once the budget is exceeded; every solver unwinds when it sees it. */
export let workSpent: bool = false;

export function meterStart(budget: u64): void {
  workUsed = 0;
  workBudget = budget;
  workSpent = false;
}

/** Charges n units; false (and workSpent) once the total passes the budget. */
// @ts-ignore: decorator
@inline export function charge(n: u64): bool {
  workUsed += n;
  if (workUsed > workBudget) workSpent = true;
  return !workSpent;
}

/** Lets the meter run `n` more units from here (a solve inside a longer decision). */
export function meterAllow(n: u64): void {
  workBudget = workUsed + n;
  workSpent = false;
}

/** Removes the bound (the rest of a decision is counted, never stopped). */
export function meterUnbounded(): void {
  workBudget = u64.MAX_VALUE;
  workSpent = false;
}

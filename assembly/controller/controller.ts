// The global controller (docs/ARCHITECTURE.md "Layout"): owns the tiles, admits tasks, pre-empts
// and re-places them, drops hopeless ones with a reason, and queues commands for the host.
// It is driven by three events (a task arrives, a layer or stage finishes, a task finishes); each
// event is one decision whose deterministic work the host turns into time on the timeline.
//
// Layer-temporal policies: one task holds the whole array. When the array is idle the best
// waiting task (lowest policy score) starts; a pre-emptive policy also compares the running task
// with the best waiting one at every event and switches at the next layer boundary.
// Tile-spatial policies: waiting tasks, best first, are placed on free tiles by the policy's
// solver, trying the model's pipeline variants (the fewest stages that meet the deadline first,
// so tiles stay free for the next arrival). A pre-emptive policy that cannot place its most urgent
// waiting task lends itself the tiles of less urgent running tasks, one victim at a time, and
// pre-empts them only if the placement then succeeds. An elastic policy (IMMSched) sizes each
// placement to the load and its energy instead, places deadline-meeting tasks before late ones,
// and may resume a pre-empted task on a pipeline of another size (orderVariants, decideSpatial).
// Any task that has not started by its deadline is dropped (XRBench: a frame that cannot start
// before its deadline is dropped).

import { MAX_TILES, MAX_STAGES, patternReset, patternEdge, targetFree, targetTiles } from "../graph";
import { setCount } from "../bitset";
import { FOUND } from "../status";
import { workUsed, meterStart, meterAllow, meterUnbounded, charge } from "../meter";
import { mapping } from "../ullmann";
import { rngSeed } from "../rng";
import { Policy } from "../policies/policy";
import { selectPolicy } from "../policies/registry";
import { runPlacement } from "../portfolio";
import { largestFreeRegion, patternConnected } from "../regions";
import { urgencyScore } from "../policies/urgency";
import { remainingSpatialNs, timeLeftNs, fastestVariantNs, remainingTemporalNs } from "../policies/estimates";
import {
  MAX_TASKS, FREE, QUEUED, RUNNING, PREEMPTED, FINISHING, taskState, taskId, taskModel, taskPriority,
  taskDeadlineNs, taskLastRunNs, taskDone, taskVariant, taskTiles, taskRatioSum, taskRatioCount,
  tasksReset, findTask, admitTask, retireTask,
} from "./tasks";
import {
  modelCount, modelLayerCount, modelLayerStart, layerEstNs, variantCount, variantStages,
  variantEstNs, variantEnergyPJ, variantSucc, variantIndex, MAX_VARIANTS,
} from "./models";
import {
  CMD_PLACE, CMD_PREEMPT, CMD_RESUME, CMD_DROP, DROP_DEADLINE, DROP_QUEUE_FULL,
  DROP_UNPLACEABLE, DROP_UNKNOWN_MODEL, commandsReset, epochReset, pushCommand, setCommandTile,
} from "./commands";
import {
  ownershipReset, claimTiles, releaseTiles, lendTiles, restoreFreeMask, tileOwner, NO_OWNER,
  freeMaskConsistent,
} from "./ownership";
import { MAX_VICTIMS, PARAM_HOPELESS_SHARE, PARAM_MAX_VICTIMS, PARAM_SLACK_SHARE, param, paramsReset } from "./params";

/** Placement attempts (waiting tasks tried) per decision: bounds a decision's work. */
const MAX_PLACEMENTS_PER_DECISION: i32 = 8;
/** Variants tried per task and decision. */
const MAX_VARIANT_TRIES: i32 = 3;
/** Victims lent per pre-emption attempt. */

let policy: Policy | null = null;
let solverBudget: u64 = 200000;
/** Layer-temporal: the slot that holds (or is about to hold) the array, or -1. */
let arrayOwner: i32 = -1;
/** Per-decision marks: a task already tried in this decision is not tried again. */
const tried = new StaticArray<u32>(MAX_TASKS);
let decisionStamp: u32 = 0;
const victims = new StaticArray<i32>(MAX_VICTIMS);

/** The decision under way was caused by an arrival (Policy.startsAt may hold an idle array back). */
let atArrival = false;

export let placements: u32 = 0;
export let preemptions: u32 = 0;
/** Pre-empted tasks resumed on a pipeline of another size (elastic policies). */
export let resizes: u32 = 0;

export function controllerReset(policyId: i32, budget: u64, seed: u32): bool {
  const p = selectPolicy(policyId);
  if (!p) return false;
  policy = p;
  solverBudget = budget;
  tasksReset();
  commandsReset();
  epochReset();
  ownershipReset();
  rngSeed(seed);
  paramsReset();
  arrayOwner = -1;
  placements = 0;
  preemptions = 0;
  resizes = 0;
  for (let s = 0; s < MAX_TASKS; s++) unchecked((tried[s] = 0));
  decisionStamp = 0;
  return true;
}

export function controllerPolicy(): Policy {
  return changetype<Policy>(policy);
}

function beginDecision(): void {
  commandsReset();
  meterStart(u64.MAX_VALUE);
  decisionStamp++;
}

/** Work of the last decision (policy scoring plus every solve). */
export function decisionWork(): u64 {
  return workUsed;
}

// ---- events ----------------------------------------------------------------------------------

export function onArrival(id: u32, model: i32, priority: i32, arrivalNs: f64, deadlineNs: f64, now: f64): void {
  beginDecision();
  if (model < 0 || model >= modelCount) {
    pushCommand(CMD_DROP, id, DROP_UNKNOWN_MODEL, 0);
    return;
  }
  const p = controllerPolicy();
  if (p.spatial && unchecked(variantCount[model]) == 0) {
    pushCommand(CMD_DROP, id, DROP_UNPLACEABLE, 0);
    return;
  }
  const slot = admitTask(id, model, priority, arrivalNs, deadlineNs);
  if (slot < 0) {
    pushCommand(CMD_DROP, id, DROP_QUEUE_FULL, 0);
    return;
  }
  atArrival = true;
  decide(now);
  atArrival = false;
}

/** A layer (temporal) or stage (spatial) of a task finished after `measuredNs`. */
export function onStageDone(id: u32, stage: i32, measuredNs: f64, now: f64): void {
  beginDecision();
  const slot = findTask(id);
  if (slot < 0) return; // a late report for a retired task
  const p = controllerPolicy();
  unchecked((taskDone[slot] = max(unchecked(taskDone[slot]), stage + 1)));
  if (unchecked(taskState[slot]) == RUNNING) unchecked((taskLastRunNs[slot] = now));
  if (!p.spatial) {
    const m = unchecked(taskModel[slot]);
    if (unchecked(taskDone[slot]) >= unchecked(modelLayerCount[m])) {
      // the last layer: nothing is left to schedule, even if a pre-emption was on its way
      if (arrayOwner == slot) arrayOwner = -1;
      unchecked((taskState[slot] = FINISHING));
    }
    if (stage >= 0 && stage < unchecked(modelLayerCount[m])) {
      const est = unchecked(layerEstNs[unchecked(modelLayerStart[m]) + stage]);
      if (est > 0 && measuredNs > 0) {
        unchecked((taskRatioSum[slot] += measuredNs / est));
        unchecked((taskRatioCount[slot] += 1));
      }
    }
    // only a pre-emptive layer-temporal policy has anything to decide at a layer boundary
    if (p.preemptive) decide(now);
  }
}

export function onTaskDone(id: u32, now: f64): void {
  beginDecision();
  const slot = findTask(id);
  if (slot < 0) return;
  const p = controllerPolicy();
  p.taskFinished(slot, now, now > unchecked(taskDeadlineNs[slot]));
  if (p.spatial) releaseTiles(slot);
  if (arrayOwner == slot) arrayOwner = -1;
  retireTask(slot);
  decide(now);
}

// ---- decisions -------------------------------------------------------------------------------

function decide(now: f64): void {
  const p = controllerPolicy();
  p.prepare(now);
  dropExpired(p, now);
  if (p.spatial) decideSpatial(p, now);
  else decideTemporal(p, now);
}

function waiting(s: i32): bool {
  const st = unchecked(taskState[s]);
  return st == QUEUED || st == PREEMPTED;
}

/**
 * Share of a task's fastest estimate that must still fit before its deadline for a task that has
 * not started to be kept: below that it is hopeless, and running it would only delay the others.
 * Less than 1 because a sample can run faster than the estimate (sparsity). 0 turns it off.
 */

/**
 * Drops every task that has not started and cannot meet its deadline: the deadline has passed
 * (XRBench: a frame that cannot start before its deadline is dropped), or even its fastest
 * execution (PARAM_HOPELESS_SHARE of it) would end after the deadline. A pre-empted task is never
 * dropped: it may still be finishing its layer or checkpoint on the board, and its work so far
 * would be lost.
 */
function dropExpired(p: Policy, now: f64): void {
  for (let s = 0; s < MAX_TASKS; s++) {
    if (unchecked(taskState[s]) != QUEUED) continue;
    const deadline = unchecked(taskDeadlineNs[s]);
    const fastest = p.spatial ? fastestVariantNs(unchecked(taskModel[s])) : remainingTemporalNs(s);
    charge(1);
    if (deadline < now || (p.dropsHopeless() && now + param(PARAM_HOPELESS_SHARE) * fastest > deadline)) {
      pushCommand(CMD_DROP, unchecked(taskId[s]), DROP_DEADLINE, 0);
      retireTask(s);
    }
  }
}

/** The waiting task with the lowest score not yet tried in this decision, or -1. */
function bestWaiting(p: Policy, now: f64): i32 {
  let best = -1;
  let bestScore = Infinity;
  for (let s = 0; s < MAX_TASKS; s++) {
    if (!waiting(s) || unchecked(tried[s]) == decisionStamp) continue;
    charge(1);
    const sc = p.score(s, now);
    if (best < 0 || sc < bestScore) {
      best = s;
      bestScore = sc;
    }
  }
  return best;
}

function decideTemporal(p: Policy, now: f64): void {
  if (arrayOwner < 0 && atArrival && !p.startsAt(now)) return;
  const next = bestWaiting(p, now);
  if (next < 0) return;
  if (arrayOwner >= 0) {
    if (!p.preemptive) return;
    charge(1);
    if (!(p.score(next, now) < p.score(arrayOwner, now))) return;
    const cur = arrayOwner;
    pushCommand(CMD_PREEMPT, unchecked(taskId[cur]), 0, 0);
    unchecked((taskState[cur] = PREEMPTED));
    unchecked((taskLastRunNs[cur] = now));
    preemptions++;
  }
  const resumed = unchecked(taskState[next]) == PREEMPTED;
  pushCommand(resumed ? CMD_RESUME : CMD_PLACE, unchecked(taskId[next]), 0, 0);
  unchecked((taskState[next] = RUNNING));
  unchecked((taskLastRunNs[next] = now));
  arrayOwner = next;
  placements++;
}

/** Elastic sizing: may a placement that would end after the task's deadline be made now? */
let allowMiss = false;

/**
 * Places waiting tasks on free tiles, pre-empting where the policy may. An elastic policy does it
 * in two passes: first only placements that meet their deadline (a late frame must not take the
 * tiles an on-time one needed: earliest-deadline-first alone collapses under overload), then the
 * late ones on what is left (a late frame still counts toward XRBench's QoE, a dropped one not).
 */
function decideSpatial(p: Policy, now: f64): void {
  allowMiss = !p.elastic;
  placeWaiting(p, now);
  if (!p.elastic) return;
  allowMiss = true;
  decisionStamp++; // every waiting task may be tried again
  placeWaiting(p, now);
}

function placeWaiting(p: Policy, now: f64): void {
  let preemptTried = false;
  for (let attempt = 0; attempt < MAX_PLACEMENTS_PER_DECISION; attempt++) {
    if (setCount(targetFree, 0) == 0 && (!p.preemptive || preemptTried)) return;
    const s = bestWaiting(p, now);
    if (s < 0) return;
    unchecked((tried[s] = decisionStamp));
    if (placeOnFree(p, s, now)) continue;
    if (p.preemptive && !preemptTried) {
      preemptTried = true;
      placeByPreemption(p, s, now);
    }
  }
}

/** Loads variant v of the task's model as the solver's pattern. */
function loadVariant(model: i32, v: i32): i32 {
  const vi = variantIndex(model, v);
  const k = unchecked(variantStages[vi]);
  patternReset(k);
  const base = vi * MAX_STAGES;
  for (let u = 0; u < k; u++) {
    let succ = unchecked(variantSucc[base + u]);
    while (succ != 0) {
      const w = <i32>ctz(succ);
      succ &= succ - 1;
      patternEdge(u, w);
    }
  }
  return k;
}

/** Runs the policy's solver within the per-solve budget; the work counts to the decision. */
function trySolve(p: Policy): bool {
  meterAllow(solverBudget);
  const r = runPlacement(p.solver);
  meterUnbounded();
  return r == FOUND;
}

/** Sort-key bands of orderVariants' tiers: far above any estimate (ns) or energy (nJ) in a tier. */
const TIER: f64 = 1e18;
const LATE_TIER: f64 = 4e18;

const variantOrder = new StaticArray<i32>(MAX_VARIANTS);
const variantKey = new StaticArray<f64>(MAX_VARIANTS);

/**
 * Share of a task's time left that its pipeline estimate may take and still count as meeting the
 * deadline. The rest absorbs queueing, per-sample variation (sparsity) and, for XRBench frames,
 * the dependent models that share the frame's deadline: with the whole time left, a parent task
 * took the slowest pipeline that just fits and left its dependents no time; a smaller share takes
 * more tiles per task, which hurts under load (measurements: docs/MEASUREMENTS.md "Slack share").
 */

/** Tasks that want tiles now or hold them: running, waiting or pre-empted. */
function demand(): i32 {
  let n = 0;
  for (let s = 0; s < MAX_TASKS; s++) {
    const st = unchecked(taskState[s]);
    if (st == RUNNING || st == QUEUED || st == PREEMPTED) n++;
  }
  charge(1);
  return n;
}

/**
 * Fills variantOrder with the variants to try for a task, best first, and returns how many.
 *
 * Fixed sizing (every spatial policy but an elastic one, and the aim of a pre-emption): those
 * whose estimate fits PARAM_SLACK_SHARE of the time left, fewest tiles first (tiles stay free for the
 * next arrival), then the others, fastest first. A task that already ran keeps its variant: its
 * checkpoint has that many stages.
 *
 * Elastic sizing (Policy.elastic, IMMSched): a placement is sized to the load and to its cost. The
 * task's share of the board is the board's tiles over the tasks that want tiles (running, waiting,
 * pre-empted, itself included) plus one for the next arrival. In tiers, best first:
 *   1. fits the largest free region (`room`), meets PARAM_SLACK_SHARE of the time left, within the share:
 *      least estimated energy first (XRBench scores a frame's energy once it is on time; a split
 *      layer re-reads weights and exchanges halos, so more tiles is not free), then fewest tiles;
 *   2. fits and meets PARAM_SLACK_SHARE but exceeds the share: fewest tiles first;
 *   3. fits, meets the deadline itself but not PARAM_SLACK_SHARE: fastest first;
 *   4. larger than the room (a pre-emption may make room): fastest first;
 *   5. would end after the deadline: only in decideSpatial's second pass (allowMiss), fastest first.
 * An idle board may give a lone task all of its tiles, when that is the cheapest pipeline; a busy
 * one gives each task a few. A pre-empted task is sized again when it resumes: its pipeline grows
 * or shrinks (taskDone is rescaled, commitPlacement).
 */
function orderVariants(p: Policy, slot: i32, now: f64, room: i32, aim: bool): i32 {
  const fixed = unchecked(taskVariant[slot]);
  const elastic = p.elastic && !aim;
  if (fixed >= 0 && !p.elastic) {
    unchecked((variantOrder[0] = fixed));
    return 1;
  }
  const m = unchecked(taskModel[slot]);
  const n = unchecked(variantCount[m]);
  const left = timeLeftNs(slot, now);
  const share = elastic ? max(1, targetTiles / (demand() + 1)) : 0;
  for (let v = 0; v < n; v++) {
    const vi = variantIndex(m, v);
    const est = unchecked(variantEstNs[vi]);
    const tiles = unchecked(variantStages[vi]);
    const meets = est <= left * param(PARAM_SLACK_SHARE);
    let key: f64;
    if (!elastic) key = meets ? <f64>tiles : TIER + est;
    else if (est > left && !allowMiss) key = LATE_TIER + est;
    else if (tiles > room) key = 3 * TIER + est;
    else if (!meets) key = 2 * TIER + est;
    else if (tiles <= share) key = unchecked(variantEnergyPJ[vi]) * 1e-3 + <f64>tiles; // pJ -> nJ, ties: fewer tiles
    else key = TIER + <f64>tiles;
    // insertion sort: at most MAX_VARIANTS entries, stable for equal keys
    let i = v;
    while (i > 0 && unchecked(variantKey[i - 1]) > key) {
      unchecked((variantKey[i] = variantKey[i - 1]));
      unchecked((variantOrder[i] = variantOrder[i - 1]));
      i--;
    }
    unchecked((variantKey[i] = key));
    unchecked((variantOrder[i] = v));
  }
  if (elastic) {
    // in the first pass a placement that would end late is not made: the tiles go to a task that can
    let kept = 0;
    while (kept < n && unchecked(variantKey[kept]) < LATE_TIER) kept++;
    return kept;
  }
  return n;
}

function placeOnFree(p: Policy, slot: i32, now: f64): bool {
  const m = unchecked(taskModel[slot]);
  // a connected pattern fits in one free region (regions.ts): larger ones are not even tried
  const room = largestFreeRegion();
  const n = orderVariants(p, slot, now, room, false);
  let tries = 0;
  for (let rank = 0; rank < n && tries < MAX_VARIANT_TRIES; rank++) {
    const v = unchecked(variantOrder[rank]);
    const k = loadVariant(m, v);
    if (k > room && patternConnected()) continue;
    tries++;
    if (trySolve(p)) {
      commitPlacement(slot, v, k, now);
      return true;
    }
  }
  return false;
}

function commitPlacement(slot: i32, v: i32, k: i32, now: f64): void {
  const before = unchecked(taskVariant[slot]);
  if (before >= 0 && before != v) {
    // re-sized on resume: the board keeps the share of the work done, so does the stage count
    const kb = unchecked(variantStages[variantIndex(unchecked(taskModel[slot]), before)]);
    unchecked((taskDone[slot] = <i32>((<i64>unchecked(taskDone[slot]) * <i64>k) / <i64>kb)));
    resizes++;
  }
  const row = slot * MAX_STAGES;
  for (let i = 0; i < k; i++) unchecked((taskTiles[row + i] = <u8>unchecked(mapping[i])));
  claimTiles(slot, k);
  const resumed = unchecked(taskState[slot]) == PREEMPTED;
  unchecked((taskVariant[slot] = v));
  unchecked((taskState[slot] = RUNNING));
  unchecked((taskLastRunNs[slot] = now));
  pushCommand(resumed ? CMD_RESUME : CMD_PLACE, unchecked(taskId[slot]), k, k);
  for (let i = 0; i < k; i++) setCommandTile(k, i, unchecked(mapping[i]));
  placements++;
}

/**
 * May running task `v` give way to waiting task `s`? Only a less urgent one: lower priority, or
 * equal priority with a later deadline and enough slack to wait for `s` to finish.
 */
function canYield(v: i32, s: i32, sNeedNs: f64, now: f64): bool {
  const pv = unchecked(taskPriority[v]);
  const ps = unchecked(taskPriority[s]);
  if (pv < ps) return true;
  if (pv > ps) return false;
  return (
    unchecked(taskDeadlineNs[v]) > unchecked(taskDeadlineNs[s]) &&
    timeLeftNs(v, now) - remainingSpatialNs(v) - sNeedNs >= 0
  );
}

function placeByPreemption(p: Policy, slot: i32, now: f64): void {
  // the variant to aim for: the first in trial order (meets the deadline if any does)
  if (orderVariants(p, slot, now, MAX_TILES, true) == 0) return;
  const v = unchecked(variantOrder[0]);
  const m = unchecked(taskModel[slot]);
  const need = unchecked(variantEstNs[variantIndex(m, v)]);
  if (need > timeLeftNs(slot, now)) return; // pre-empting for a task that misses anyway helps no one
  let chosen = 0;
  const most = <i32>param(PARAM_MAX_VICTIMS);
  while (chosen < most) {
    // least urgent eligible running task not chosen yet
    let victim = -1;
    let worst = -Infinity;
    for (let t = 0; t < MAX_TASKS; t++) {
      if (unchecked(taskState[t]) != RUNNING) continue;
      let already = false;
      for (let c = 0; c < chosen; c++) if (unchecked(victims[c]) == t) already = true;
      if (already) continue;
      charge(1);
      if (!canYield(t, slot, need, now)) continue;
      const key = urgencyScore(t);
      if (key > worst) {
        worst = key;
        victim = t;
      }
    }
    if (victim < 0) break;
    unchecked((victims[chosen++] = victim));
    lendTiles(victim);
    const k = loadVariant(m, v);
    if (k > largestFreeRegion() && patternConnected()) continue;
    if (trySolve(p)) {
      // the placement may not use every lent tile: pre-empt only the victims it touches
      restoreFreeMask();
      for (let c = 0; c < chosen; c++) {
        const vs = unchecked(victims[c]);
        let touched = false;
        for (let i = 0; i < k; i++) if (<i32>unchecked(tileOwner[unchecked(mapping[i])]) == vs) touched = true;
        if (!touched) continue;
        pushCommand(CMD_PREEMPT, unchecked(taskId[vs]), 0, 0);
        releaseTiles(vs);
        unchecked((taskState[vs] = PREEMPTED));
        unchecked((taskLastRunNs[vs] = now));
        preemptions++;
      }
      commitPlacement(slot, v, k, now);
      return;
    }
  }
  restoreFreeMask();
}

// ---- invariants (tests) ----------------------------------------------------------------------

/** 0 when the controller's state is consistent, else a code saying what is not. */
export function checkInvariants(): i32 {
  const p = controllerPolicy();
  let running = 0;
  for (let s = 0; s < MAX_TASKS; s++) {
    const st = unchecked(taskState[s]);
    if (st == FREE) continue;
    if (st == RUNNING) running++;
    if (p.spatial && st == RUNNING) {
      const m = unchecked(taskModel[s]);
      const k = unchecked(variantStages[variantIndex(m, unchecked(taskVariant[s]))]);
      for (let i = 0; i < k; i++) {
        if (<i32>unchecked(tileOwner[unchecked(taskTiles[s * MAX_STAGES + i])]) != s) return 1; // tile not owned by its task
      }
    }
  }
  if (!p.spatial && running > 1) return 2; // two tasks on the array
  if (!freeMaskConsistent()) return 4; // the solvers' free mask disagrees with ownership
  for (let t = 0; t < MAX_TILES; t++) {
    const o = <i32>unchecked(tileOwner[t]);
    if (o == <i32>NO_OWNER) continue;
    if (unchecked(taskState[o]) != RUNNING) return 3; // a tile held by a task that is not running
  }
  return 0;
}

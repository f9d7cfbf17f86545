// Online tuning: one controller knob adapts during a run from the measured outcome, as SDRM3
// adapts its MapScore weight online (SDRM3/DREAM's "gradient-descent-like" update), here with
// Rprop's sign rule (Riedmiller & Braun, ICNN 1993), which needs no learning rate tuned per knob:
//
//   every `window` settled tasks, loss_k = share of them late or dropped + 0.001 x their mean ANTT
//   (turnaround / isolated latency: a tie-breaker when nothing is missed);
//   g_k = sign((loss_k - loss_{k-1}) / (x_k - x_{k-1}))  (0 when the knob did not move);
//   step_k = step_{k-1} x 1.2 when g_k = g_{k-1}, x 0.5 when it flipped or is 0 (clamped to
//   [minStep, maxStep]);  x_{k+1} = clamp(x_k - g_k x step_k), or x_k + step_k after a window where
//   the knob did not move (a probe, so that the slope can be measured at all);
//   a loss that departs from the running mean of the losses (EWMA, weight 0.3) by more than
//   `resetJump` means the workload changed: the step goes back to its start.
//
// The knob moves in a coordinate of [0, 1] (log scale for Dysta's beta, which spans decades): the
// steps mean the same for every knob. Converged = the step has shrunk below `minStep` x 2.

import type { ControllerParams, PolicyName } from "../core/controller.js";

export interface OnlineTunerOptions {
  /** Knob to adapt (default per policy: slackShare for immsched, dystaBeta for dysta, hopelessShare for the rest). */
  knob?: keyof ControllerParams;
  /** Settled tasks per update (default 80). */
  window?: number;
  /** Steps in the knob's [0, 1] coordinate (defaults 0.1, 0.005, 0.25). */
  startStep?: number;
  minStep?: number;
  maxStep?: number;
  /** Departure from the running mean loss that counts as a new workload (default 0.2). */
  resetJump?: number;
}

interface Scale {
  lo: number;
  hi: number;
  log: boolean;
}

const SCALES: Record<keyof ControllerParams, Scale> = {
  hopelessShare: { lo: 0, hi: 1.5, log: false },
  slackShare: { lo: 0.05, hi: 1, log: false },
  dystaBeta: { lo: 1e-4, hi: 10, log: true },
  maxVictims: { lo: 0, hi: 3, log: false },
};

const START: Required<ControllerParams> = { hopelessShare: 0.75, slackShare: 0.35, dystaBeta: 0.01, maxVictims: 3 };

export function defaultKnob(policy: PolicyName): keyof ControllerParams {
  return policy === "immsched" ? "slackShare" : policy === "dysta" ? "dystaBeta" : "hopelessShare";
}

export interface TunerStep {
  /** Settled tasks so far. */
  settled: number;
  loss: number;
  value: number;
  step: number;
}

export class OnlineTuner {
  readonly knob: keyof ControllerParams;
  /** Every update: the loss of the window just ended and the knob value chosen for the next. */
  readonly history: TunerStep[] = [];
  private readonly window: number;
  private readonly minStep: number;
  private readonly maxStep: number;
  private readonly startStep: number;
  private readonly resetJump: number;
  private readonly scale: Scale;
  private x: number;
  private prev?: { x: number; loss: number };
  private meanLoss?: number;
  /** Updates at which a workload change was detected (the step reset). */
  readonly resets: number[] = [];
  private step: number;
  private lastSign = 0;
  private missed = 0;
  private antt = 0;
  private count = 0;
  private settled = 0;

  constructor(policy: PolicyName, o: OnlineTunerOptions = {}) {
    this.knob = o.knob ?? defaultKnob(policy);
    this.window = o.window ?? 80;
    this.startStep = o.startStep ?? 0.1;
    this.minStep = o.minStep ?? 0.005;
    this.maxStep = o.maxStep ?? 0.25;
    this.resetJump = o.resetJump ?? 0.2;
    this.scale = SCALES[this.knob];
    this.x = this.toX(START[this.knob]);
    this.step = this.startStep;
  }

  get value(): number {
    return this.fromX(this.x);
  }

  get converged(): boolean {
    return this.step < 2 * this.minStep;
  }

  /** A task settled; at the end of a window, the knob's new setting (else undefined). */
  observe(t: { missed: boolean; antt: number }): ControllerParams | undefined {
    this.settled++;
    this.count++;
    if (t.missed) this.missed++;
    this.antt += t.antt;
    if (this.count < this.window) return undefined;
    const loss = this.missed / this.count + (0.001 * this.antt) / this.count;
    this.missed = 0;
    this.antt = 0;
    this.count = 0;
    this.update(loss);
    this.history.push({ settled: this.settled, loss, value: this.value, step: this.step });
    return { [this.knob]: this.value };
  }

  private update(loss: number): void {
    const prev = this.prev;
    this.prev = { x: this.x, loss };
    if (this.meanLoss !== undefined && Math.abs(loss - this.meanLoss) > this.resetJump) {
      // a new workload: learn again from a full step
      this.step = this.startStep;
      this.lastSign = 0;
      this.resets.push(this.history.length);
      this.meanLoss = loss;
    } else this.meanLoss = this.meanLoss === undefined ? loss : 0.7 * this.meanLoss + 0.3 * loss;
    if (!prev || prev.x === this.x) {
      this.x = this.clamp(this.x + (this.x + this.step <= 1 ? this.step : -this.step));
      return;
    }
    const slope = (loss - prev.loss) / (this.x - prev.x);
    const sign = slope > 0 ? 1 : slope < 0 ? -1 : 0;
    if (sign === 0) {
      // no slope where nothing changed: take smaller probes, do not wander
      this.step = Math.max(this.minStep, this.step * 0.5);
    } else if (this.lastSign !== 0) {
      this.step = Math.min(this.maxStep, Math.max(this.minStep, this.step * (sign === this.lastSign ? 1.2 : 0.5)));
    }
    if (sign !== 0) this.lastSign = sign;
    this.x = this.clamp(this.x - sign * this.step);
  }

  private clamp(x: number): number {
    return Math.min(1, Math.max(0, x));
  }

  private toX(v: number): number {
    const s = this.scale;
    return s.log ? Math.log(v / s.lo) / Math.log(s.hi / s.lo) : (v - s.lo) / (s.hi - s.lo);
  }

  private fromX(x: number): number {
    const s = this.scale;
    const v = s.log ? s.lo * (s.hi / s.lo) ** x : s.lo + x * (s.hi - s.lo);
    return this.knob === "maxVictims" ? Math.round(v) : v;
  }
}

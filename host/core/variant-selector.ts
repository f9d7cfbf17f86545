// Which model variant (width variant, host/workloads/model-variants.ts) a task runs: one step in
// front of the controller, the same for every policy (so a comparison with variants on stays
// fair), shared by the simulator (host/sim/simulate.ts) and the host runtime. It lives in the host,
// not the core: the Wasm core is at its size budget, and it sees each variant as a model of its own.
//
// Update rule, at a task's arrival at time `now` (SDRM3/DREAM's model-level dynamism: under load,
// a smaller sub-network):
//   backlog = sum over open tasks (admitted, not finished or dropped) of their remaining estimated
//             work on the whole array, remaining = est(chosen variant) for a task not started yet,
//             max(0, est - (now - start)) for one that has started (its first PLACE/RESUME);
//   pick the widest variant v with now + backlog + est(v) <= deadline, else the narrowest.
// est(v) is the variant's isolated latency on the whole array at median sparsity (ModelEntry
// .isolatedNs), so the backlog is in whole-array ns whether the policy runs tasks layer by layer
// or side by side on tiles. Only arrival, start and end times enter: deterministic for a given
// event order, and blind to the policy's own choices of order.

/** One variant a task of a model may run. */
export interface VariantChoice {
  /** The core's model name of the variant (model-variants.ts variantModelName). */
  model: string;
  width: number;
  /** Accuracy lost against the model's full width, in percentage points (>= 0 when narrower is worse). */
  lossPoints: number;
  /** Isolated latency on the whole array at median sparsity (ns). */
  estNs: number;
}

export class VariantSelector {
  private readonly open = new Map<number, { estNs: number; startNs?: number }>();

  /** `choices`: per base model, its variants widest first (a model absent here always runs as itself). */
  constructor(private readonly choices: ReadonlyMap<string, readonly VariantChoice[]>) {}

  /** Estimated remaining work of the open tasks at `now` (ns on the whole array). */
  backlogNs(now: number): number {
    let sum = 0;
    for (const t of this.open.values()) sum += t.startNs === undefined ? t.estNs : Math.max(0, t.estNs - (now - t.startNs));
    return sum;
  }

  /** The variant task `id` of `model` runs, chosen at `now` by the rule above; undefined when the model has none. */
  choose(task: { id: number; model: string; deadlineNs: number }, now: number): VariantChoice | undefined {
    const list = this.choices.get(task.model);
    if (!list || list.length === 0) return undefined;
    const backlog = this.backlogNs(now);
    const pick = list.find((v) => now + backlog + v.estNs <= task.deadlineNs) ?? list[list.length - 1]!;
    this.open.set(task.id, { estNs: pick.estNs });
    return pick;
  }

  /** The task's first placement (PLACE or RESUME) at `now`: from here its remaining work shrinks. */
  started(id: number, now: number): void {
    const t = this.open.get(id);
    if (t && t.startNs === undefined) t.startNs = now;
  }

  /** The task finished or was dropped. */
  ended(id: number): void {
    this.open.delete(id);
  }
}

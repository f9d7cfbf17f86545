// Commands for tasks the board does not know yet. Over MQTT an external task's ARRIVAL reaches the
// host through the arrivals feed, so the host's first command for it can overtake the board's own
// record of it: the board holds such a command for a while (PROTOCOL.md §7) and applies it when the
// task turns up, or gives it up as unknown.

import type { Command } from "../protocol/index.js";

interface Held {
  cmd: Command;
  timer: NodeJS.Timeout;
}

export class HeldCommands {
  private readonly byTask = new Map<number, Held[]>();

  /** `expired` is called with a command held for `holdMs` whose task never turned up. */
  constructor(
    private readonly holdMs: number,
    private readonly expired: (cmd: Command) => void,
  ) {}

  /** Tasks with a command held. */
  get size(): number {
    return this.byTask.size;
  }

  hold(cmd: Command): void {
    const list = this.byTask.get(cmd.taskId) ?? [];
    const h: Held = {
      cmd,
      timer: setTimeout(() => {
        const l = this.byTask.get(cmd.taskId);
        const i = l?.indexOf(h) ?? -1;
        if (!l || i < 0) return;
        l.splice(i, 1);
        if (l.length === 0) this.byTask.delete(cmd.taskId);
        this.expired(cmd);
      }, this.holdMs),
    };
    list.push(h);
    this.byTask.set(cmd.taskId, list);
  }

  /** The task turned up: its held commands, in the order they came, no longer held. */
  take(taskId: number): Command[] {
    const list = this.byTask.get(taskId) ?? [];
    this.byTask.delete(taskId);
    for (const h of list) clearTimeout(h.timer);
    return list.map((h) => h.cmd);
  }

  /** Every held command (a new session: the host that sent them is gone), no longer held. */
  drain(): Command[] {
    return [...this.byTask.keys()].flatMap((id) => this.take(id));
  }
}

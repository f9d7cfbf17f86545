// What a board reports in TELEMETRY (PROTOCOL.md): power from the energy spent since the last
// report, how busy the tiles are, and a die temperature from a first-order RC model (the die heads
// for ambient + R x P with time constant tau, in board time: a picture for the dashboard, not a
// calibrated model of any chip).

import { type Message, TEMP_UNKNOWN } from "../protocol/index.js";
import { type Machine, SpatialMachine } from "./machine.js";

const AMBIENT_C = 25;
/** Thermal resistance, K per W. */
const THERMAL_K_PER_W = 8;
const THERMAL_TAU_S = 1;

class ThermalModel {
  private tempC = AMBIENT_C;

  /** Advances the model by `dtNs` at `powerMw`; returns the temperature in centi-degrees C (wire range). */
  step(powerMw: number, dtNs: number): number {
    const target = AMBIENT_C + THERMAL_K_PER_W * (powerMw / 1000);
    this.tempC += (target - this.tempC) * (1 - Math.exp(-dtNs / 1e9 / THERMAL_TAU_S));
    return Math.max(-32767, Math.min(32767, Math.round(this.tempC * 100)));
  }
}

/** What the board is doing at a TELEMETRY tick. */
export interface TelemetrySnapshot {
  nowNs: number;
  /** Energy spent so far (pJ), every session of the run. */
  energyPJ: number;
  machine?: Machine;
  /** Tasks the board raised and has not ended. */
  live: ReadonlySet<number>;
  tileCount: number;
}

/** Turns successive snapshots into TELEMETRY messages: power over the interval, temperature, occupancy. */
export class TelemetryMeter {
  private last = { ns: 0, pj: 0 };
  private readonly thermal?: ThermalModel;

  constructor(modelTemperature: boolean) {
    if (modelTemperature) this.thermal = new ThermalModel();
  }

  /** A session starts: power is measured from here. */
  restart(nowNs: number, energyPJ: number): void {
    this.last = { ns: nowNs, pj: energyPJ };
  }

  report(s: TelemetrySnapshot): Extract<Message, { type: "telemetry" }> {
    const dt = s.nowNs - this.last.ns;
    // pJ per ns is mW
    const powerMw = dt > 0 ? Math.max(0, (s.energyPJ - this.last.pj) / dt) : 0;
    this.last = { ns: s.nowNs, pj: s.energyPJ };
    const running = s.machine?.running() ?? [];
    let busyTiles = 0;
    if (s.machine instanceof SpatialMachine) busyTiles = s.machine.tileHolders().filter((h) => h !== -1).length;
    else if (running.length > 0) busyTiles = s.tileCount;
    const runningLive = running.filter((id) => s.live.has(id)).length;
    return {
      type: "telemetry",
      boardTimeNs: Math.round(s.nowNs),
      energyPJ: s.energyPJ,
      powerMw: Math.min(0xffffffff, Math.round(powerMw)),
      busyTiles: Math.min(0xffff, busyTiles),
      runningTasks: Math.min(0xffff, running.length),
      queuedTasks: Math.min(0xffff, s.live.size - runningLive),
      tempCentiC: this.thermal ? this.thermal.step(powerMw, dt) : TEMP_UNKNOWN,
    };
  }
}

// The die temperature a board reports in TELEMETRY: a first-order RC model, the die heading for
// ambient + R x P with time constant tau, in board time. A picture for the dashboard, not a
// calibrated model of any chip.

const AMBIENT_C = 25;
/** Thermal resistance, K per W. */
const THERMAL_K_PER_W = 8;
const THERMAL_TAU_S = 1;

export class ThermalModel {
  private tempC = AMBIENT_C;

  /** Advances the model by `dtNs` at `powerMw`; returns the temperature in centi-degrees C (wire range). */
  step(powerMw: number, dtNs: number): number {
    const target = AMBIENT_C + THERMAL_K_PER_W * (powerMw / 1000);
    this.tempC += (target - this.tempC) * (1 - Math.exp(-dtNs / 1e9 / THERMAL_TAU_S));
    return Math.max(-32767, Math.min(32767, Math.round(this.tempC * 100)));
  }
}

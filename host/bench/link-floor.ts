// `npm run bench:link-floor -- RATE`: the floor of the MQTT link on this machine. A "host" that only
// ACKs (its Endpoint, no core) and the load generator share one process, against a Mosquitto with
// no-delay: what a QoS 1 ARRIVAL -> ACK round trip costs before any scheduling is done.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { MqttTransport } from "../../firmware-bridge/link/mqtt.js";
import { Endpoint } from "../../firmware-bridge/link/endpoint.js";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitListening } from "../net/ports.js";
import { percentile } from "../sim/metrics.js";
import { machineLine } from "./machine.js";
const dir = mkdtempSync(join(tmpdir(), "immsched-floor-"));
const port = await freePort();
writeFileSync(join(dir, "mosquitto.conf"), `listener ${port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n`);
const broker = spawn(existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto", ["-c", join(dir, "mosquitto.conf")], { stdio: "ignore" });
await waitListening(port);
const url = `mqtt://127.0.0.1:${port}`;
const hostT = await MqttTransport.open({ url, boardId: "e1", side: "host" });
const hostEp = new Endpoint(hostT, { side: "host", retryMs: 1000 });
hostEp.on("message", () => {});
const t = await MqttTransport.open({ url, boardId: "e1", side: "board" });
const ep = new Endpoint(t, { side: "board", retryMs: 1000, window: 1024 });
const sentAt = new Map<number, number>();
const lat: number[] = [];
ep.on("acked", (m) => {
  if (m.type !== "arrival") return;
  const a = sentAt.get(m.taskId);
  if (a !== undefined) {
    lat.push(performance.now() - a);
    sentAt.delete(m.taskId);
  }
});
const rate = Number(process.argv[2] ?? 5000);
let next = 1;
const start = performance.now();
const end = start + 3000;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.floor(((Math.min(performance.now(), end) - start) / 1000) * rate);
    while (next <= due) {
      sentAt.set(next, performance.now());
      ep.send({ type: "arrival", taskId: next, modelId: 0, priority: 1, frame: next, arrivalNs: 1, deadlineNs: 2 });
      next++;
    }
    if (performance.now() >= end) {
      clearInterval(timer);
      resolve();
    }
  }, 1);
});
await new Promise((r) => setTimeout(r, 500));
console.log(`machine: ${machineLine()}`);
console.log(`link floor at ${rate} arrivals/s (ACK-only host in-process, Mosquitto no-delay, QoS 1): ` +
  `acked ${lat.length}/${next - 1}, p50 ${percentile(lat, 50).toFixed(2)} ms, p99 ${percentile(lat, 99).toFixed(2)} ms`);
broker.kill();
rmSync(dir, { recursive: true, force: true });
process.exit(0);

// One board as a fleet host runs it while it holds the board's lease: the existing host runtime
// (host/runtime/host-runtime.ts) on its own MQTT link to the board, exactly as `immsched run
// --board mqtt://...` would, plus a gate in front of the endpoint.
//
// The gate: a host that has just taken a board over has no session with it yet, while the board
// still retransmits what the dead owner never ACKed. PROTOCOL.md §6.3 says such frames are dropped
// without ACK; the gate does that below the endpoint (which would otherwise ACK them), until the
// board's HELLO of the new session. The board keeps those tasks and re-announces them after the
// HELLO (VirtualBoardOptions.resyncOnNewSession), so nothing is lost by dropping the frames.

import { Endpoint } from "../../firmware-bridge/link/endpoint.js";
import { MqttTransport } from "../../firmware-bridge/link/mqtt.js";
import { FLEET_LINK_ATTEMPTS, FLEET_RECONNECT_MS, MQTT_RETRY_MS } from "../../firmware-bridge/link/retry.js";
import type { FrameTransport } from "../../firmware-bridge/link/transport.js";
import type { ModelEntry, PolicyName } from "../core/controller.js";
import { HostRuntime } from "../runtime/host-runtime.js";

/** Longest wait for the MQTT link to close cleanly, ms. */
const CLOSE_WAIT_MS = 500;

export interface BoardSessionOptions {
  boardId: string;
  /** Broker URLs of the cluster, the first tried first (reconnects go round the list). */
  mqttUrls: string[];
  policy: PolicyName;
  models: ModelEntry[];
  seed: number;
  /** MQTT subscription QoS (0 on a NATS cluster: mqtt.ts subscribeQos). */
  subscribeQos?: 0 | 1;
  /** MQTT version of the broker when known (4 on NATS: no refused MQTT 5 attempt on every takeover's link). */
  mqttVersion?: 4 | 5;
  /** First command epoch of this holding (the lease's fencing token, lease.ts). */
  epochBase?: number;
}

/**
 * Frames before the first HELLO are dropped (not ACKed); afterwards everything passes. A HELLO
 * that differs from the last one (not a retransmission) while the session is up was asked for by
 * someone else: another host took the board over; `foreign` is told before the frame goes on.
 */
function gated(t: FrameTransport, counter: { dropped: number }, live: () => boolean, foreign: () => void): FrameTransport {
  let open = false;
  let lastHello: Buffer | undefined;
  return {
    send: (frame, type) => t.send(frame, type),
    onFrame: (handler) =>
      t.onFrame((frame, type) => {
        if (!open && type !== "hello") {
          counter.dropped++;
          return;
        }
        if (type === "hello") {
          const bytes = Buffer.from(frame);
          if (open && live() && lastHello && !bytes.equals(lastHello)) {
            foreign();
            return;
          }
          lastHello = bytes;
        }
        open = true;
        handler(frame, type);
      }),
    onStatus: t.onStatus?.bind(t),
    onExternal: t.onExternal?.bind(t),
    close: () => t.close(),
    get stats() {
      return t.stats;
    },
    describe: t.describe,
  };
}

export class BoardSession {
  readonly runtime: HostRuntime;
  readonly endpoint: Endpoint;
  /** Wall ms (Date.now) when the lease was taken, and when the board's HELLO made the session. */
  readonly claimedAt = Date.now();
  sessionAt?: number;
  readonly gate = { dropped: 0 };
  /** Set once a HELLO this host did not ask for came: the board has another owner. */
  lost = false;
  /** Called once when that happens (the owner drops the session). */
  onLost: () => void = () => {};

  private constructor(
    readonly boardId: string,
    private readonly transport: MqttTransport,
    opts: BoardSessionOptions,
  ) {
    let runtime: HostRuntime | undefined;
    const foreign = () => {
      if (this.lost) return;
      this.lost = true;
      this.onLost();
    };
    this.endpoint = new Endpoint(
      gated(transport, this.gate, () => runtime?.summary.live ?? false, foreign),
      {
        side: "host",
        retryMs: MQTT_RETRY_MS,
        ackEpoch: () => runtime?.currentEpoch ?? 0,
        maxAttempts: FLEET_LINK_ATTEMPTS,
      },
    );
    runtime = new HostRuntime({
      endpoint: this.endpoint,
      policy: opts.policy,
      models: opts.models,
      seed: opts.seed,
      // the board (resyncOnNewSession) announces its open tasks again after a new HELLO: also to
      // this host when the session restarts without a change of owner (a broker node died)
      resyncOpenTasks: true,
      // fencing: every session's epochs start above the lease's base and above this host's own
      // earlier sessions with the board; the board (fenceEpochs) refuses anything below
      sessionEpoch: (last) => Math.max(opts.epochBase ?? 1, last + 1),
      // a broker node failover (both sides reconnect to another node) keeps the session: the board
      // counts as lost only once the link's retries would have given up (16 s), not after 3 s
      boardLostAfterMs: MQTT_RETRY_MS * FLEET_LINK_ATTEMPTS,
    });
    this.runtime = runtime;
    runtime.on("session", () => {
      this.sessionAt ??= Date.now();
    });
    transport.onExternal((payload) => runtime.externalArrival(payload));
  }

  static async open(opts: BoardSessionOptions): Promise<BoardSession> {
    const [url, ...fallbackUrls] = opts.mqttUrls;
    const transport = await MqttTransport.open({
      url: url!,
      fallbackUrls,
      reconnectMs: FLEET_RECONNECT_MS,
      boardId: opts.boardId,
      side: "host",
      externalArrivals: true,
      subscribeQos: opts.subscribeQos,
      protocolVersion: opts.mqttVersion,
    });
    const s = new BoardSession(opts.boardId, transport, opts);
    s.runtime.start(); // HELLO_REQUEST every second until the board's HELLO
    return s;
  }

  async close(): Promise<void> {
    this.runtime.stop();
    this.endpoint.close();
    // a clean MQTT close waits for the broker; a dead node never answers, and the owner's round
    // (renewals included) must not wait on it
    await Promise.race([this.transport.close().catch(() => {}), new Promise((r) => setTimeout(r, CLOSE_WAIT_MS))]);
  }
}

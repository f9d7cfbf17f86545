// What the virtual board (virtual-board.ts) takes and reports: its options, counters, summary and
// events. Apart from the class so a reader (and the board command) sees the contract in one place.

import type { Arrival, Command } from "../protocol/index.js";
import type { BoardEvent } from "./machine.js";
import type { LinkStats } from "../link/endpoint.js";
import type { FrameTransport, TransportStats } from "../link/transport.js";
import type { BoardArrival, TaskProfile } from "./profile.js";
import type { ArrivalRateOptions } from "../link/external-arrival.js";

export interface BoardScenario {
  /** The model table host and board share: ARRIVAL.modelId is the index of the arrival's model here. */
  models: ReadonlyArray<{ name: string }>;
  /**
   * Sorted by arrivalNs (as loadScenario returns them); ids unique. An array, or a stream the board
   * reads as it raises them (Scenario.stream: periodic streams that go on for as long as the run).
   */
  arrivals: Iterable<BoardArrival>;
}

export interface VirtualBoardOptions {
  transport: FrameTransport;
  /** ACK timeout (link/retry.ts: SERIAL_RETRY_MS, MQTT_RETRY_MS). */
  retryMs: number;
  /** 1..32 chars of [A-Za-z0-9_-]. */
  boardId: string;
  mesh: { width: number; height: number };
  scenario: BoardScenario;
  /** Board ns per wall ns (default 1). */
  timeScale?: number;
  /** Default 1000. */
  heartbeatMs?: number;
  /** Default 250. */
  telemetryMs?: number;
  log?: (line: string) => void;
  /** HELLO capabilities (defaults: 64 PEs per tile, 1000 MHz, 256 tasks, firmware 0.1.0). */
  pesPerTile?: number;
  clockMhz?: number;
  maxTasks?: number;
  firmware?: [major: number, minor: number, patch: number];
  /**
   * Hold commands for tasks the board does not know yet (an external arrival may be on its way
   * on another MQTT topic). Default: on when the transport has an external arrivals feed.
   */
  externalArrivals?: boolean;
  /** Rate limit of the external arrivals feed (default 1000/s, burst 100; link/external-arrival.ts). */
  externalRate?: ArrivalRateOptions;
  /** How long such a command is held, wall ms (default 1000). */
  externalHoldMs?: number;
  /**
   * Model variants (README "Model variants"): how a scenario task runs as another model of the
   * table (one of its model's width variants). Given, the board announces HELLO flag bit 3 and
   * applies VARIANT (PROTOCOL.md §4); undefined for a model it cannot run the task as.
   */
  variantProfile?: (arrival: BoardArrival, model: string) => TaskProfile | undefined;
  /** Profile of an external task; default: that of the model's first scenario arrival. */
  sampleProfile?: (model: string, taskId: number) => TaskProfile | undefined;
  /** Report a modelled die temperature (default true) or TEMP_UNKNOWN. */
  thermal?: boolean;
  /**
   * The last wall ms before a due event are waited out on setImmediate instead of a timer
   * (default 1): Node timers fire up to ~1 ms late, which would delay every event the host reacts to.
   * 0 uses timers only.
   */
  spinMs?: number;
  /**
   * A HELLO_REQUEST this soon (wall ms) after the session was established is taken to have crossed
   * our HELLO and is ignored (default min(retryMs, 1000)).
   */
  helloRequestGraceMs?: number;
  /**
   * A scenario task that ended this long (scenario ns) before the latest arrival is forgotten
   * (default 5 s: far beyond XRBench's longest frame period, a dependent names a parent frame at
   * most one parent period back, and beyond any retransmission), so a board left running keeps
   * bounded state.
   */
  forgetAfterNs?: number;
  /** Endpoint sends per reliable frame (default 8). */
  maxAttempts?: number;
  /**
   * Fleet re-sync (host/fleet, README "Fleet"): a new session (another host took the board over)
   * keeps the scenario tasks still open instead of aborting them: their work restarts from the
   * beginning on a fresh machine and their ARRIVALs (original times and deadlines) are sent again
   * right after the new HELLO is ACKed, so the new host places them. Default false (PROTOCOL.md §6.1).
   */
  resyncOnNewSession?: boolean;
  /**
   * Fleet fencing (host/fleet/lease.ts, README "Fleet"): the epoch of the ACK that establishes a
   * session is its owner's floor; until then no command is taken (PROTOCOL.md §6.3), and from then
   * on a command or an ACK whose epoch is below the floor (a displaced owner's, still in flight) is
   * dropped before the endpoint: not ACKed, not applied, not remembered as a seen seq (it would
   * make the owner's own frame of that seq look like a duplicate). Needs a host that starts every
   * session's epochs at or above its ACK epoch (HostRuntime sessionEpoch). Default false.
   */
  fenceEpochs?: boolean;
}

export interface BoardStats {
  /** Sessions started (HELLOs with a fresh seq 0). */
  sessions: number;
  /** Sessions established (HELLO ACKed). */
  sessionsUp: number;
  /** Scenario arrivals raised as ARRIVAL. */
  tasksRaised: number;
  /** External arrivals admitted (not raised: the host hears them on the feed). */
  externalTasks: number;
  externalRejected: number;
  tasksDone: number;
  /** Ended by a DROP. */
  tasksDropped: number;
  /** Never raised: their parent frame was dropped. */
  droppedDependency: number;
  /** Held when a new session started (the host forgot them). */
  tasksAborted: number;
  /** Aborted tasks the host re-issued in the new session (a SCHEDULE or RESUME ran them again from the start). */
  tasksReissued: number;
  /** Aborted tasks the host neither re-issued nor dropped within the hold time: ended here. */
  tasksUnclaimed: number;
  commandsApplied: number;
  /** Epoch lower than the task's highest applied one: ACKed, not applied. */
  staleCommands: number;
  /** Commands and ACKs refused by the epoch fence (fenceEpochs): a displaced owner's, not ACKed. */
  fencedFrames: number;
  /** For a task the board does not know or that has ended: ACKed, ignored. */
  unknownCommands: number;
  /** Impossible commands (a tile off the mesh, ...): ignored and answered with ERROR 5. */
  badCommands: number;
  errorsSent: number;
  /** Layer completions past index 8191, which STAGE_DONE cannot carry (not sent). */
  unreportedStages: number;
  heartbeats: number;
  telemetry: number;
  /** Tasks the board keeps state for now (ended ones are forgotten after a while: bounded however long it runs). */
  tasksTracked: number;
  /** Energy since boot, pJ. */
  energyPJ: number;
  boardTimeNs: number;
  link: LinkStats;
  transport: TransportStats;
}

export interface BoardSummary extends BoardStats {
  /** True when every task ended; false when the board was stopped first. */
  complete: boolean;
  wallMs: number;
  /** Board time of scenario time 0 (the first session's establishment), null if never established. */
  workloadOriginNs: number | null;
  /** "temporal" / "spatial" once the first placing command chose it. */
  execution: "temporal" | "spatial" | null;
}

export type CommandOutcome = "applied" | "stale" | "unknown" | "bad" | "held";

export interface VirtualBoardEvents {
  /** A session was established (its HELLO ACKed); n counts established sessions. */
  session: [n: number];
  arrival: [arrival: Arrival];
  /** A machine event, as it happens (its time is board ns). */
  event: [event: BoardEvent];
  command: [command: Command, outcome: CommandOutcome];
  finished: [summary: BoardSummary];
}

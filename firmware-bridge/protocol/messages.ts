// The messages of protocol version 2 as TypeScript values (byte layouts: PROTOCOL.md). `type` is
// also the MQTT topic kind, so a message names its own topic. Times are ns as JS numbers (exact
// up to MAX_NS = 2^53 - 1); energies are pJ as f64 because the cost model's energies are fractional.

export const MSG = {
  hello: 0x01,
  hello_request: 0x02,
  arrival: 0x10,
  stage_done: 0x11,
  task_done: 0x12,
  schedule: 0x20,
  preempt: 0x21,
  resume: 0x22,
  drop: 0x23,
  batch: 0x24,
  variant: 0x25,
  ack: 0x30,
  nack: 0x31,
  heartbeat: 0x40,
  telemetry: 0x41,
  error: 0x42,
} as const;
export type MessageType = keyof typeof MSG;
export const MESSAGE_TYPES = Object.keys(MSG) as MessageType[];
export const MSG_BY_CODE: ReadonlyMap<number, MessageType> = new Map(MESSAGE_TYPES.map((t) => [MSG[t], t]));

/** Messages the receiver ACKs and the sender retries (PROTOCOL.md "Reliability"). */
export const RELIABLE: ReadonlySet<MessageType> = new Set<MessageType>([
  "hello",
  "arrival",
  "stage_done",
  "task_done",
  "schedule",
  "preempt",
  "resume",
  "drop",
  "batch",
  "variant",
]);
/** Who may send each type. */
export const SENDER: Readonly<Record<MessageType, "board" | "host" | "both">> = {
  hello: "board",
  hello_request: "host",
  arrival: "board",
  stage_done: "board",
  task_done: "board",
  schedule: "host",
  preempt: "host",
  resume: "host",
  drop: "host",
  batch: "host",
  variant: "host",
  ack: "both",
  nack: "both",
  heartbeat: "board",
  telemetry: "board",
  error: "board",
};

/**
 * Why a task was dropped, by its code: on the wire and in the core's command queue alike (the core's
 * DROP_* exports; test/assembly/core-tables.test.ts checks they agree).
 */
export const DROP_REASON_CODES = { deadline: 1, "queue-full": 2, unplaceable: 3, "unknown-model": 4 } as const;
export type DropReason = keyof typeof DROP_REASON_CODES;
export const DROP_REASON_BY_CODE: ReadonlyMap<number, DropReason> = new Map(
  Object.entries(DROP_REASON_CODES).map(([k, v]) => [v as number, k as DropReason]),
);
/** The first six are the decode errors of the rejected frame; busy = receiver queue full, retry later. */
export const NACK_REASON_CODES = { crc: 1, length: 2, type: 3, version: 4, range: 5, truncated: 6, busy: 7 } as const;
export type NackReason = keyof typeof NACK_REASON_CODES;

/** HELLO.flags bits; receivers ignore bits they do not know. */
export const HELLO_FLAGS = { torus: 1 << 0, tileSpatial: 1 << 1, layerTemporal: 1 << 2, modelVariants: 1 << 3 } as const;

/** Board -> host, first frame of a session: what the board is. */
export interface Hello {
  type: "hello";
  /** Highest protocol version the board speaks (>= 1). */
  protocolVersion: number;
  fwMajor: number;
  fwMinor: number;
  fwPatch: number;
  /** Mesh size in tiles (>= 1 each); tile of cell (x, y) is y * meshWidth + x. */
  meshWidth: number;
  meshHeight: number;
  pesPerTile: number;
  clockMhz: number;
  /** Tasks the board can hold at once (running + queued). */
  maxTasks: number;
  flags: number;
  boardTimeNs: number;
  /** 1..32 chars of [A-Za-z0-9_-]: also the MQTT topic segment. */
  boardId: string;
}
/** Host -> board: start a (new) session by sending HELLO. Empty payload. */
export interface HelloRequest {
  type: "hello_request";
}
export interface Arrival {
  type: "arrival";
  taskId: number;
  /** Index in the model table host and board share by configuration. */
  modelId: number;
  priority: number;
  /** Input frame number, NO_FRAME when none. */
  frame: number;
  /** Board clock. */
  arrivalNs: number;
  /** Absolute, board clock. */
  deadlineNs: number;
}
export interface StageDone {
  type: "stage_done";
  taskId: number;
  /** 0..63. */
  stage: number;
  /** Busy time of the stage. */
  busyNs: number;
  boardTimeNs: number;
}
export interface TaskDone {
  type: "task_done";
  taskId: number;
  boardTimeNs: number;
  /** Finite, >= 0 (sign bit clear). */
  energyPJ: number;
}
/**
 * Place (schedule) or resume: stage i of the task runs on tiles[i]; 1..64 stages (tile-spatial).
 * No tiles: the task runs layer by layer on the whole array (layer-temporal).
 */
export interface Schedule {
  type: "schedule" | "resume";
  epoch: number;
  taskId: number;
  tiles: number[];
}
export interface Preempt {
  type: "preempt";
  epoch: number;
  taskId: number;
}
export interface Drop {
  type: "drop";
  epoch: number;
  taskId: number;
  reason: DropReason;
}
/** A command as it travels alone or inside a BATCH. */
export type CommandMessage = Schedule | Preempt | Drop;
/**
 * Host -> board, only to a board whose HELLO sets HELLO_FLAGS.modelVariants: run task `taskId` as
 * model `modelId` of the shared model table (one of its model variants, a width variant), sent
 * with the decision that answers the task's ARRIVAL, before its first SCHEDULE.
 */
export interface Variant {
  type: "variant";
  taskId: number;
  modelId: number;
}
/** What a decision sends: commands and model-variant choices, alone or inside a BATCH. */
export type DecisionMessage = CommandMessage | Variant;
/**
 * Protocol 2: the commands of one controller decision in one frame (one MQTT message), applied by
 * the board in order and acknowledged once. 1..MAX_BATCH commands, at most MAX_PAYLOAD bytes.
 */
export interface Batch {
  type: "batch";
  commands: DecisionMessage[];
}
export interface Ack {
  type: "ack";
  ackedSeq: number;
  /** The acknowledged command's epoch; for an ACK of a board frame, the host's current epoch. */
  epoch: number;
}
export interface Nack {
  type: "nack";
  ackedSeq: number;
  reason: NackReason;
}
export interface Heartbeat {
  type: "heartbeat";
  boardTimeNs: number;
  /** Heartbeats sent this session. */
  counter: number;
  /** Frames the board rejected this session (bad COBS, CRC, length, type, version, range). */
  rxRejected: number;
}
export interface Telemetry {
  type: "telemetry";
  boardTimeNs: number;
  /** Since boot; finite, >= 0. */
  energyPJ: number;
  powerMw: number;
  busyTiles: number;
  runningTasks: number;
  queuedTasks: number;
  /** Centi-degrees Celsius (i16), TEMP_UNKNOWN when there is no sensor. */
  tempCentiC: number;
}
export interface ErrorMsg {
  type: "error";
  code: number;
  /** 0..255 chars of printable ASCII (0x20..0x7E). */
  text: string;
}

export type Message =
  | Hello
  | HelloRequest
  | Arrival
  | StageDone
  | TaskDone
  | Schedule
  | Preempt
  | Drop
  | Batch
  | Variant
  | Ack
  | Nack
  | Heartbeat
  | Telemetry
  | ErrorMsg;
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/** Board ERROR codes (u16); 0x8000.. is free for vendor codes. */
export const ERROR_CODES = {
  internal: 1,
  outOfMemory: 2,
  acceleratorFault: 3,
  watchdogReset: 4,
  badCommand: 5,
  overTemperature: 6,
} as const;

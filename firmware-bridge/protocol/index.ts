// The wire protocol of PROTOCOL.md: import from here.
export * from "./limits.js";
export * from "./crc16.js";
export * from "./cobs.js";
export * from "./splitter.js";
export * from "./messages.js";
export * from "./codec.js";
export * from "./topics.js";
export * from "./commands.js";
export * from "./batch.js";

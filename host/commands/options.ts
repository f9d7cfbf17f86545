// Argument parsers of the command line (commander argParsers): each throws InvalidArgumentError
// naming the flag and the value, which the program turns into exit status 2.

import { InvalidArgumentError } from "commander";
import { ALL_POLICIES, type PolicyName } from "../core/controller.js";
import { isBoardId } from "../../firmware-bridge/protocol/index.js";

export function positiveInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} must be a positive integer, got "${value}"`);
    }
    return n;
  };
}

export function nonNegativeInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`${flag} must be a non-negative integer, got "${value}"`);
    }
    return n;
  };
}

export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} must be a positive number, got "${value}"`);
    return n;
  };
}

/** A comma list of positive numbers. */
export function numberList(flag: string) {
  const one = positiveNumber(flag);
  return (value: string): number[] => value.split(",").map(one);
}

/** A comma list of positive integers. */
export function integerList(flag: string) {
  const one = positiveInteger(flag);
  return (value: string): number[] => value.split(",").map(one);
}

/** A repeatable, comma-separable option: every value given, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function particleCount(value: string): number {
  const n = positiveInteger("--particles")(value);
  if (n > 16) throw new InvalidArgumentError(`--particles must be in 1..16, got "${value}"`);
  return n;
}

export function seedValue(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n > 0xffffffff) {
    throw new InvalidArgumentError(`--seed must be an integer in 0..4294967295, got "${value}"`);
  }
  return n;
}

/** "1-5" or "1,3,7" (or a mix) -> the seeds. */
export function seedList(value: string): number[] {
  const out: number[] = [];
  for (const part of value.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`--seeds expects a range or list like 1-5 or 1,3,7, got "${value}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 10_000) throw new InvalidArgumentError(`--seeds range "${part.trim()}" is empty or too long`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

export function policyList(value: string): PolicyName[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(ALL_POLICIES as readonly string[]).includes(n))
      throw new InvalidArgumentError(`unknown policy "${n}" (known: ${ALL_POLICIES.join(", ")})`);
  }
  if (names.length === 0) throw new InvalidArgumentError("--policy needs at least one policy");
  return names as PolicyName[];
}

/** "WxH" with at most 256 tiles (the core's target limit). */
export function meshSize(flag: string) {
  return (value: string): { width: number; height: number } => {
    const m = /^\s*(\d+)\s*x\s*(\d+)\s*$/i.exec(value);
    const width = Number(m?.[1]);
    const height = Number(m?.[2]);
    if (!m || width < 1 || height < 1 || width * height > 256) {
      throw new InvalidArgumentError(`${flag} expects WxH with at most 256 tiles, like 8x8, got "${value}"`);
    }
    return { width, height };
  };
}

export function boardId(value: string): string {
  if (!isBoardId(value)) {
    throw new InvalidArgumentError(`--id must be 1..32 characters of A-Z a-z 0-9 _ - (it is an MQTT topic segment), got "${value}"`);
  }
  return value;
}

/** A broker URL mqtt.js can connect to. */
export function mqttUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError(`--mqtt expects a broker URL like mqtt://127.0.0.1:1883, got "${value}"`);
  }
  if (!["mqtt:", "mqtts:", "tcp:", "ssl:", "tls:", "ws:", "wss:"].includes(u.protocol)) {
    throw new InvalidArgumentError(`--mqtt: unsupported scheme "${u.protocol}" (mqtt, mqtts, ws, wss), got "${value}"`);
  }
  return value;
}

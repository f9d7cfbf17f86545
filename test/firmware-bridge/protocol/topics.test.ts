import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  MESSAGE_TYPES,
  SENDER,
  commandToMessage,
  messageToCommand,
  parseTopic,
  subscriptions,
  topicFor,
  type Command,
} from "../../../firmware-bridge/protocol/index.js";

describe("MQTT topics", () => {
  it("names a topic after the board and the message type, with host_ack/host_nack for the host's", () => {
    expect(topicFor("board-01", "arrival", "board")).toBe("immsched/board-01/arrival");
    expect(topicFor("board-01", "schedule", "host")).toBe("immsched/board-01/schedule");
    expect(topicFor("b1", "ack", "board")).toBe("immsched/b1/ack");
    expect(topicFor("b1", "ack", "host")).toBe("immsched/b1/host_ack");
    expect(topicFor("b1", "nack", "host")).toBe("immsched/b1/host_nack");
  });

  it("parses back every topic it makes, and rejects others", () => {
    for (const type of MESSAGE_TYPES) {
      const sides = SENDER[type] === "both" ? (["board", "host"] as const) : ([SENDER[type]] as const);
      for (const from of sides) expect(parseTopic(topicFor("b-7", type, from))).toEqual({ boardId: "b-7", kind: "frame", type, from });
    }
    expect(parseTopic("immsched/b-7/status")).toEqual({ boardId: "b-7", kind: "status" });
    for (const t of [
      "immsched/b/unknown",
      "other/b/hello",
      "immsched/b/hello/x",
      "immsched//hello",
      "immsched/b+/hello",
      "immsched/b/toString",
    ]) {
      expect(parseTopic(t), t).toBeNull();
    }
  });

  it("subscribes each side to what the other side sends, never to its own publications", () => {
    const host = subscriptions("host");
    const board = subscriptions("board", "b1");
    expect(host).toContain("immsched/+/arrival");
    expect(host).toContain("immsched/+/ack");
    expect(host).toContain("immsched/+/status");
    expect(host).not.toContain("immsched/+/schedule");
    expect(host).not.toContain("immsched/+/host_ack");
    expect(board).toEqual(expect.arrayContaining(["immsched/b1/schedule", "immsched/b1/host_ack", "immsched/b1/hello_request"]));
    expect(board).not.toContain("immsched/b1/ack");
    expect(board).not.toContain("immsched/b1/arrival");
  });
});

describe("controller commands <-> messages", () => {
  it("maps place/resume/preempt/drop both ways", () => {
    const cmd = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }).chain((tiles) =>
        fc.record({
          kind: fc.constantFrom("place" as const, "resume" as const),
          epoch: fc.nat(),
          taskId: fc.nat(),
          stages: fc.constant(tiles.length),
          tiles: fc.constant(tiles),
        }),
      ),
      fc.record({ kind: fc.constant("preempt" as const), epoch: fc.nat(), taskId: fc.nat() }),
      fc.record({
        kind: fc.constant("drop" as const),
        epoch: fc.nat(),
        taskId: fc.nat(),
        reason: fc.constantFrom("deadline" as const, "queue-full" as const, "unplaceable" as const, "unknown-model" as const),
      }),
    );
    fc.assert(
      fc.property(cmd, (c: Command) => {
        expect(messageToCommand(commandToMessage(c))).toEqual(c);
      }),
    );
    expect(commandToMessage({ kind: "place", epoch: 3, taskId: 4, stages: 2, tiles: [5, 6] })).toEqual({
      type: "schedule",
      epoch: 3,
      taskId: 4,
      tiles: [5, 6],
    });
    expect(messageToCommand({ type: "ack", ackedSeq: 1, epoch: 1 })).toBeNull();
  });

  it("refuses a command whose stage count disagrees with its tiles", () => {
    expect(() => commandToMessage({ kind: "place", epoch: 1, taskId: 1, stages: 3, tiles: [1, 2] })).toThrow(RangeError);
  });
});

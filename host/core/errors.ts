// Messages for the core's status and error codes (assembly/status.ts): the wording lives here so
// the Wasm module carries no strings.

export const Status = { NONE: 0, FOUND: 1, BUDGET_SPENT: 2 } as const;

const messages: Record<number, string> = {
  [-1]: "target tile count is outside 1..256",
  [-2]: "pattern stage count is outside 1..64",
  [-3]: "an edge or list names a node that does not exist",
  [-4]: "an edge joins a node to itself",
  [-5]: "more items than the core's I/O buffer holds",
  [-6]: "no target loaded",
  [-7]: "no pattern loaded",
  [-8]: "budget is not a positive integer",
  [-9]: "unknown solver",
  [-10]: "mesh dimensions are empty or over 256 tiles",
  [-11]: "particle count is outside 1..16 or polish iterations are negative",
  [-12]: "proof switches are outside the known bits",
  [-13]: "unknown policy",
  [-14]: "the model table is full (at most 32 models, 8192 layers over all models, 8 pipeline variants per model)",
  [-15]: "nothing to continue: the last solve was not a pso or ullmann search that spent its budget",
  [-16]: "a controller knob is unknown or its value is out of range",
};

export class CoreError extends Error {
  constructor(
    readonly code: number,
    readonly during: string,
  ) {
    super(`core rejected ${during}: ${messages[code] ?? `error ${code}`}`);
    this.name = "CoreError";
  }
}

/** Throws CoreError for a negative return code, passes other codes through. */
export function check(code: number, during: string): number {
  if (code < 0) throw new CoreError(code, during);
  return code;
}

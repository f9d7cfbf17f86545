// Status and error codes shared by every exported entry point of the core.
// Errors are negative so a caller can test `r < 0`; the host maps each to a message
// (host/core/errors.ts) so the wording lives in one place and the core stays free of strings.

/** A placement was found; the mapping is in the result buffer. */
export const FOUND: i32 = 1;
/** The search space was exhausted: there is provably no placement. */
export const NONE: i32 = 0;
/** The work budget ran out before the search space did: not found, not proven. */
export const BUDGET_SPENT: i32 = 2;

export const OK: i32 = 0;
export const E_TILE_COUNT: i32 = -1; // target tile count outside 1..MAX_TILES
export const E_STAGE_COUNT: i32 = -2; // pattern stage count outside 1..MAX_STAGES
export const E_NODE_RANGE: i32 = -3; // an edge or list names a node that does not exist
export const E_SELF_LOOP: i32 = -4; // an edge joins a node to itself
export const E_IO_OVERFLOW: i32 = -5; // a count exceeds the I/O buffer
export const E_NO_TARGET: i32 = -6; // solve before a target was loaded
export const E_NO_PATTERN: i32 = -7; // solve before a pattern was loaded
export const E_BUDGET: i32 = -8; // budget is not a positive integer
export const E_SOLVER: i32 = -9; // unknown solver id
export const E_MESH: i32 = -10; // mesh dimensions empty or over capacity
export const E_PARTICLES: i32 = -11; // particle count outside 1..16 or negative polish iterations
export const E_PROOFS: i32 = -12; // proof switch mask outside 0..PROOFS_ALL
export const E_POLICY: i32 = -13; // controllerStart: unknown policy id
export const E_MODEL_TABLE: i32 = -14; // the model table is full (models, layers or pipeline variants)
export const E_RESUME: i32 = -15; // SOLVER_MORE when the last solve was no pso or ullmann search that spent its budget
export const E_PARAM: i32 = -16; // controller knob unknown or its value out of range (controller/params.ts)

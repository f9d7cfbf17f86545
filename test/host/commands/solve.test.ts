// `immsched solve` as a user runs it: files in, docs/ARCHITECTURE.md formats out, exit 2 on bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { immsched } from "../../support/cli.js";
import { placementError } from "../../../host/core/verify.js";
import type { Pattern } from "../../../host/formats/graphs.js";

let dir: string;
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

const chain: Pattern = {
  nodes: 4,
  edges: [
    [0, 1],
    [1, 2],
    [2, 3],
  ],
};
const board = { mesh: { width: 4, height: 4 }, occupied: [0, 5, 10] };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "immsched-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("immsched solve", () => {
  it("prints the solve result as JSON with exactly the docs/ARCHITECTURE.md fields", () => {
    const r = immsched(["solve", "--pattern", file("p.json", chain), "--target", file("t.json", board), "--json"]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["complete", "found", "mapping", "micros", "solver", "work"]);
    expect(out).toMatchObject({ found: true, complete: true, solver: "ullmann" });
    expect(placementError(chain, board as never, out.mapping)).toBeNull();
    expect(out.micros).toBeGreaterThan(0);
    expect(Number.isInteger(out.work) && out.work > 0).toBe(true);
  });

  it("runs the particle solver and the portfolio in the same format, deterministic per seed", () => {
    for (const solver of ["pso", "auto"]) {
      const args = [
        "solve",
        "--pattern",
        file("p.json", chain),
        "--target",
        file("t.json", board),
        "--solver",
        solver,
        "--seed",
        "5",
        "--json",
      ];
      const r = immsched(args);
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(Object.keys(out).sort()).toEqual(["complete", "found", "mapping", "micros", "solver", "work"]);
      expect(out).toMatchObject({ found: true, complete: true, solver: "pso" });
      expect(placementError(chain, board as never, out.mapping)).toBeNull();
      expect(JSON.parse(immsched(args).stdout).mapping).toEqual(out.mapping);
    }
    const bad = immsched([
      "solve",
      "--pattern",
      file("p.json", chain),
      "--target",
      file("t.json", board),
      "--solver",
      "pso",
      "--particles",
      "40",
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--particles must be in 1..16/);
  });

  it("draws the placement on the mesh without --json", () => {
    const r = immsched(["solve", "--pattern", file("p.json", chain), "--target", file("t.json", board)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/placement found/);
    for (let s = 0; s < 4; s++) expect(r.stdout).toContain(`S${s}`);
    expect(r.stdout).toContain("##");
  });

  it("reports an incomplete search when the budget is too small", () => {
    const triangle = {
      nodes: 3,
      edges: [
        [0, 1],
        [1, 2],
        [2, 0],
      ],
    };
    const r = immsched([
      "solve",
      "--pattern",
      file("tri.json", triangle),
      "--target",
      file("big.json", { mesh: { width: 16, height: 16 } }),
      "--budget",
      "5",
      "--json",
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ found: false, complete: false, mapping: null });
  });

  const bad: Array<[string, unknown, unknown, RegExp]> = [
    ["malformed JSON", '{"nodes": 3,\n "edges": [[0, 1],]}', board, /p\.json: malformed JSON.*line 2/],
    [
      "an edge naming a missing stage",
      {
        nodes: 3,
        edges: [
          [0, 1],
          [1, 3],
        ],
      },
      board,
      /p\.json: field "edges\[1\]\[1\]": stage 3 does not exist/,
    ],
    ["a self-loop", { nodes: 3, edges: [[2, 2]] }, board, /field "edges\[0\]": self-loop/],
    ["a pattern over 64 stages", { nodes: 65, edges: [] }, board, /field "nodes": 65 stages exceed/],
    ["a target over 256 tiles", chain, { nodes: 300, edges: [] }, /t\.json: field "nodes": 300 tiles exceed/],
    [
      "an occupied tile out of range",
      chain,
      { mesh: { width: 4, height: 4 }, occupied: [3, 16] },
      /t\.json: field "occupied\[1\]": occupied tile 16 does not exist/,
    ],
    ["an empty mesh", chain, { mesh: { width: 0, height: 4 } }, /t\.json: field "mesh.width": an empty mesh/],
    [
      "a target edge naming a missing tile",
      chain,
      { nodes: 4, edges: [[0, 9]] },
      /t\.json: field "edges\[0\]\[1\]": tile 9 does not exist/,
    ],
  ];
  for (const [what, pattern, target, message] of bad) {
    it(`exits 2 naming file and field for ${what}`, () => {
      const r = immsched(["solve", "--pattern", file("p.json", pattern), "--target", file("t.json", target)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe("");
    });
  }

  for (const budget of ["0", "-3", "1.5", "abc"]) {
    it(`exits 2 for --budget ${budget}`, () => {
      const r = immsched(["solve", "--pattern", file("p.json", chain), "--target", file("t.json", board), `--budget=${budget}`]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--budget must be a positive integer/);
    });
  }

  it("exits 2 naming a file that cannot be read", () => {
    const r = immsched(["solve", "--pattern", join(dir, "missing.json"), "--target", file("t.json", board)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing\.json: cannot read: ENOENT/);
  });
});

describe("immsched solve --batch", () => {
  it("answers one line per input line in order, with an error line for a bad line", () => {
    const lines = [
      JSON.stringify({ pattern: chain, target: board }),
      JSON.stringify({ pattern: { nodes: 2, edges: [[0, 5]] }, target: board }),
      "{not json",
      JSON.stringify({
        pattern: {
          nodes: 3,
          edges: [
            [0, 1],
            [1, 2],
            [2, 0],
          ],
        },
        target: board,
      }),
      JSON.stringify({ pattern: chain, target: { mesh: { width: 2, height: 2 }, occupied: [9] } }),
    ];
    const path = file("batch.jsonl", `${lines.join("\n")}\n`);
    const r = immsched(["solve", "--batch", path]);
    expect(r.status).toBe(2);
    const out = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(5);
    expect(out[0]).toMatchObject({ found: true, complete: true, solver: "ullmann" });
    expect(out[1].error).toMatch(/batch\.jsonl:2: field "pattern\.edges\[0\]\[1\]": stage 5 does not exist/);
    expect(out[2].error).toMatch(/batch\.jsonl:3: malformed JSON/);
    expect(out[3]).toMatchObject({ found: false, complete: true, mapping: null });
    expect(out[4].error).toMatch(/batch\.jsonl:5: field "target\.occupied\[0\]"/);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(3);
  });

  it("exits 0 when every line is good", () => {
    const path = file("good.jsonl", [chain, chain].map((p) => JSON.stringify({ pattern: p, target: board })).join("\n"));
    const r = immsched(["solve", "--batch", path, "--solver", "ullmann"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(2);
  });
});

describe("immsched demo", () => {
  it("places the branch-and-merge task on the 8x8 board and draws it", () => {
    const r = immsched(["demo"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/placement found/);
    expect(r.stdout.split("\n").filter((l) => /^\s*(S\d|##|\.\.)/.test(l))).toHaveLength(8);
  });
});

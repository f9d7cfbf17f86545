// Builds the Wasm core (assembly/index.ts) for the asconfig.json targets named on the command line
// (default: debug, release, release-scalar), through asc's API rather than its CLI for one reason:
// `--converge` makes asc print "Last converge was suboptimal." when its last extra optimisation
// round grew the module by a few bytes. That is a note about optimisation, not a problem, and it
// should not reach a user of `npm start`; every other line of asc's output still does.
import asc from "assemblyscript/asc";

const NOTE = "Last converge was suboptimal.";
/** The debug build also exports the core's ids (assembly/tables.ts) for the host's table checks. */
const ENTRIES = { debug: ["assembly/index.ts", "assembly/tables.ts"] };
const targets = process.argv.slice(2);

/** asc's output stream, minus the converge note. */
function filtered(stream) {
  return {
    write(chunk) {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      const kept = text
        .split(/(?<=\n)/)
        .filter((line) => line.trim() !== NOTE)
        .join("");
      if (kept) stream.write(kept);
      return true;
    },
  };
}

for (const target of targets.length ? targets : ["debug", "release", "release-scalar"]) {
  const { error } = await asc.main([...(ENTRIES[target] ?? ["assembly/index.ts"]), "--target", target], {
    stdout: process.stdout,
    stderr: filtered(process.stderr),
  });
  if (error) {
    console.error(`build of the core (${target}) failed: ${error.message}`);
    process.exit(1);
  }
}

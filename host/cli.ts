// Entry point of the `immsched` command (bin/immsched.js, npm start).
import { main } from "./program.js";

process.exitCode = await main(process.argv.slice(2));

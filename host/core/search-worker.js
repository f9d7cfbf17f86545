// A search worker's entry (parallel-search.ts): the TypeScript host runs through tsx's loader,
// registered here because a worker thread does not inherit the loader of the process that started it.
import { register } from "tsx/esm/api";

register();
await import("./search-worker-main.ts");

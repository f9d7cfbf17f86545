#!/usr/bin/env node
// The `immsched` command: runs the TypeScript host through tsx's loader (no separate compile step).
import { register } from "tsx/esm/api";

register();
await import("../host/cli.ts");

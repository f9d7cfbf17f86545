// Where the monitor takes events in: the runtime's own event stream (host/runtime/events.ts), as it is.

import type { RuntimeEvent } from "../runtime/events.js";

/** Anything runtime events can be pushed into (the monitor server, a recorder in tests). */
export interface MonitorSink {
  push(event: RuntimeEvent): void;
}

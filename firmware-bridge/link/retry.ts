// The ACK timeouts of PROTOCOL.md §5.2 (RETRY_TIMEOUT), named once: a serial line (and the
// in-process pair, which stands in for one) answers within a few frame times; a broker adds its
// own round trip and queueing.

/** Serial line and in-process pair, ms. */
export const SERIAL_RETRY_MS = 100;
/** MQTT, ms. */
export const MQTT_RETRY_MS = 1000;

/**
 * Sends of a reliable frame on a fleet link, board and host (the endpoint's default is 8;
 * host/fleet): at one a second they must outlast a broker node's crash. On the three-node NATS
 * cluster, MQTT connects and subscribes stall until the JetStream groups the dead node led have new
 * leaders: in traces here a board's link was back 1 s after the kill, or 6 s and more, and with 8
 * attempts boards gave their frames up and started a new session (their open tasks' work with it).
 */
export const FLEET_LINK_ATTEMPTS = 16;

/**
 * Wait before each MQTT reconnection on a fleet link, ms (the default is 1 s). After a broker node's
 * crash every frame of the node's boards waits that long (the next attempt goes to the next node):
 * at 1 s a node kill made the boards' tasks late for up to 1.4 s after it (64-board runs, README
 * "Fleet"). A dead node refuses at once, so 100 ms costs a refused attempt or two, not a storm.
 */
export const FLEET_RECONNECT_MS = 100;

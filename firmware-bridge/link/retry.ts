// The ACK timeouts of PROTOCOL.md §5.2 (RETRY_TIMEOUT), named once: a serial line (and the
// in-process pair, which stands in for one) answers within a few frame times; a broker adds its
// own round trip and queueing.

/** Serial line and in-process pair, ms. */
export const SERIAL_RETRY_MS = 100;
/** MQTT, ms. */
export const MQTT_RETRY_MS = 1000;

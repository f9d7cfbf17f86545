/*
 * immsched wire protocol v2: C99 codec for board firmware (firmware-bridge/PROTOCOL.md).
 *
 * No malloc, no global state: every function works on caller-provided buffers and returns an
 * immsched_status. Two layers, as in the TypeScript codec (firmware-bridge/protocol):
 *   message <-> raw frame  (header + payload + CRC; also the MQTT payload)
 *   raw frame <-> COBS     (plus a 0x00 delimiter on the serial line)
 * Decoding checks the bytes in the order PROTOCOL.md gives, so both codecs report the same
 * error for the same bytes (firmware-bridge/vectors/vectors.txt).
 */
#ifndef IMMSCHED_PROTO_H
#define IMMSCHED_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IMMSCHED_PROTOCOL_VERSION 2u
/* Every HELLO keeps header version 1, so any host can read it and see the board's protocol_version. */
#define IMMSCHED_HELLO_HEADER_VERSION 1u
#define IMMSCHED_HEADER_SIZE 6u
#define IMMSCHED_CRC_SIZE 2u
#define IMMSCHED_MAX_PAYLOAD 512u
#define IMMSCHED_MAX_RAW_FRAME (IMMSCHED_HEADER_SIZE + IMMSCHED_MAX_PAYLOAD + IMMSCHED_CRC_SIZE)
/* COBS of n bytes is at most n + n / 254 + 1 bytes; the wire adds the 0x00 delimiter. */
#define IMMSCHED_COBS_MAX(n) ((n) + (n) / 254u + 1u)
#define IMMSCHED_MAX_COBS_FRAME IMMSCHED_COBS_MAX(IMMSCHED_MAX_RAW_FRAME)
#define IMMSCHED_MAX_WIRE_FRAME (IMMSCHED_MAX_COBS_FRAME + 1u)

#define IMMSCHED_MAX_STAGES 64u
/* Commands in one BATCH (the smallest entry, PREEMPT, takes 9 bytes of the 512). */
#define IMMSCHED_MAX_BATCH 56u
#define IMMSCHED_MAX_STEPS 8192u
#define IMMSCHED_MAX_BOARD_ID 32u
#define IMMSCHED_MAX_ERROR_TEXT 255u
/* u64 times and durations stay <= 2^53 - 1 ns so the host can hold them exactly in a double. */
#define IMMSCHED_MAX_NS UINT64_C(9007199254740991)
#define IMMSCHED_NO_FRAME UINT32_C(0xFFFFFFFF)
#define IMMSCHED_TEMP_UNKNOWN INT16_MIN

typedef enum {
    IMMSCHED_OK = 0,
    /* Decode errors, same names as the TS DecodeError. */
    IMMSCHED_ERR_TRUNCATED = 1,
    IMMSCHED_ERR_LENGTH = 2,
    IMMSCHED_ERR_CRC = 3,
    IMMSCHED_ERR_VERSION = 4,
    IMMSCHED_ERR_TYPE = 5,
    IMMSCHED_ERR_RANGE = 6,
    /* Caller errors. */
    IMMSCHED_ERR_BUFFER = 7, /* output buffer too small */
    IMMSCHED_ERR_COBS = 8    /* not valid COBS */
} immsched_status;

typedef enum {
    IMMSCHED_HELLO = 0x01,
    IMMSCHED_HELLO_REQUEST = 0x02,
    IMMSCHED_ARRIVAL = 0x10,
    IMMSCHED_STAGE_DONE = 0x11,
    IMMSCHED_TASK_DONE = 0x12,
    IMMSCHED_SCHEDULE = 0x20,
    IMMSCHED_PREEMPT = 0x21,
    IMMSCHED_RESUME = 0x22,
    IMMSCHED_DROP = 0x23,
    IMMSCHED_BATCH = 0x24,
    IMMSCHED_VARIANT = 0x25,
    IMMSCHED_ACK = 0x30,
    IMMSCHED_NACK = 0x31,
    IMMSCHED_HEARTBEAT = 0x40,
    IMMSCHED_TELEMETRY = 0x41,
    IMMSCHED_ERROR = 0x42
} immsched_type;

enum { IMMSCHED_DROP_DEADLINE = 1, IMMSCHED_DROP_QUEUE_FULL = 2, IMMSCHED_DROP_UNPLACEABLE = 3, IMMSCHED_DROP_UNKNOWN_MODEL = 4 };
enum {
    IMMSCHED_NACK_CRC = 1, IMMSCHED_NACK_LENGTH = 2, IMMSCHED_NACK_TYPE = 3, IMMSCHED_NACK_VERSION = 4,
    IMMSCHED_NACK_RANGE = 5, IMMSCHED_NACK_TRUNCATED = 6, IMMSCHED_NACK_BUSY = 7
};
enum { IMMSCHED_FLAG_TORUS = 1, IMMSCHED_FLAG_TILE_SPATIAL = 2, IMMSCHED_FLAG_LAYER_TEMPORAL = 4, IMMSCHED_FLAG_MODEL_VARIANTS = 8 };

typedef struct {
    uint8_t protocol_version, fw_major, fw_minor, fw_patch;
    uint16_t mesh_width, mesh_height, pes_per_tile, clock_mhz, max_tasks, flags;
    uint64_t board_time_ns;
    uint8_t board_id_len;                      /* 1..32 */
    char board_id[IMMSCHED_MAX_BOARD_ID + 1];  /* [A-Za-z0-9_-]; NUL-terminated after decode */
} immsched_hello;

typedef struct {
    uint32_t task_id;
    uint16_t model_id;
    uint8_t priority;
    uint32_t frame;
    uint64_t arrival_ns, deadline_ns;
} immsched_arrival;

typedef struct {
    uint32_t task_id;
    uint16_t stage; /* 0..8191: a pipeline stage, or a layer of a layer-temporal task */
    uint64_t busy_ns, board_time_ns;
} immsched_stage_done;

typedef struct {
    uint32_t task_id;
    uint64_t board_time_ns;
    double energy_pj; /* finite, sign bit clear */
} immsched_task_done;

/* SCHEDULE and RESUME: stage i runs on tiles[i]. */
typedef struct {
    uint32_t epoch, task_id;
    uint8_t stages; /* 1..64 tile-spatial; 0: layer-temporal on the whole array */
    uint16_t tiles[IMMSCHED_MAX_STAGES];
} immsched_schedule;

typedef struct {
    uint32_t epoch, task_id;
} immsched_preempt;

typedef struct {
    uint32_t epoch, task_id;
    uint8_t reason; /* IMMSCHED_DROP_* */
} immsched_drop;

/* VARIANT (to a board whose HELLO sets IMMSCHED_FLAG_MODEL_VARIANTS): run task_id as model model_id of
 * the shared model table (one of its model variants), sent before the task's first SCHEDULE. */
typedef struct {
    uint32_t task_id;
    uint16_t model_id;
} immsched_variant;

/* BATCH (protocol 2): the commands of one decision, applied in order, ACKed once. `entries` holds
 * `count` entries of (type u8 + that command's payload) exactly as on the wire; build it with
 * immsched_batch_init / immsched_batch_add and read it with immsched_batch_next. */
typedef struct {
    uint8_t count; /* 1..IMMSCHED_MAX_BATCH */
    uint16_t len;  /* bytes of entries in use */
    uint8_t entries[IMMSCHED_MAX_PAYLOAD - 1u];
} immsched_batch;

typedef struct {
    uint16_t acked_seq;
    uint32_t epoch;
} immsched_ack;

typedef struct {
    uint16_t acked_seq;
    uint8_t reason; /* IMMSCHED_NACK_* */
} immsched_nack;

typedef struct {
    uint64_t board_time_ns;
    uint32_t counter, rx_rejected;
} immsched_heartbeat;

typedef struct {
    uint64_t board_time_ns;
    double energy_pj;
    uint32_t power_mw;
    uint16_t busy_tiles, running_tasks, queued_tasks;
    int16_t temp_centi_c; /* IMMSCHED_TEMP_UNKNOWN without a sensor */
} immsched_telemetry;

typedef struct {
    uint16_t code;
    uint8_t text_len;
    char text[IMMSCHED_MAX_ERROR_TEXT + 1]; /* printable ASCII; NUL-terminated after decode */
} immsched_error;

/* Any message: `type` says which member of `u` is valid (none for HELLO_REQUEST). */
typedef struct {
    uint8_t type; /* immsched_type */
    union {
        immsched_hello hello;
        immsched_arrival arrival;
        immsched_stage_done stage_done;
        immsched_task_done task_done;
        immsched_schedule schedule; /* SCHEDULE and RESUME */
        immsched_preempt preempt;
        immsched_drop drop;
        immsched_batch batch;
        immsched_variant variant;
        immsched_ack ack;
        immsched_nack nack;
        immsched_heartbeat heartbeat;
        immsched_telemetry telemetry;
        immsched_error error;
    } u;
} immsched_msg;

/* CRC-16/CCITT-FALSE; pass 0xFFFF as crc to start, a previous result to continue. */
uint16_t immsched_crc16(uint16_t crc, const uint8_t *data, size_t len);

/* COBS without the delimiter. encode: out needs IMMSCHED_COBS_MAX(len) bytes. decode: out needs
 * len bytes; IMMSCHED_ERR_COBS when `in` is not valid COBS. */
immsched_status immsched_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Payload of one message type, without header and CRC (what the per-type functions below wrap). */
immsched_status immsched_encode_payload(const immsched_msg *m, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_decode_payload(uint8_t type, const uint8_t *p, size_t len, immsched_msg *m);

/* Whole raw frame: header + payload + CRC. out needs IMMSCHED_MAX_RAW_FRAME bytes at most. */
immsched_status immsched_encode(const immsched_msg *m, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
/* Decodes a raw frame. On any result, *seq_valid says whether *seq was readable (>= 4 bytes):
 * a receiver NACKs a rejected frame only then. Either seq pointer may be NULL. */
immsched_status immsched_decode(const uint8_t *frame, size_t len, immsched_msg *m, uint16_t *seq, int *seq_valid);

/* Raw frame -> serial bytes: COBS then 0x00. out needs IMMSCHED_COBS_MAX(len) + 1 bytes. */
immsched_status immsched_to_wire(const uint8_t *raw, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Per-message helpers: fill the tagged message and encode it. */
immsched_status immsched_encode_hello(const immsched_hello *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_hello_request(uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_arrival(const immsched_arrival *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_stage_done(const immsched_stage_done *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_task_done(const immsched_task_done *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_schedule(const immsched_schedule *v, int resume, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_preempt(const immsched_preempt *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_drop(const immsched_drop *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_variant(const immsched_variant *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_ack(const immsched_ack *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_nack(const immsched_nack *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_heartbeat(const immsched_heartbeat *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_telemetry(const immsched_telemetry *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);
immsched_status immsched_encode_error(const immsched_error *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len);

/* BATCH building and reading. add: IMMSCHED_ERR_RANGE when cmd is not a SCHEDULE/PREEMPT/RESUME/
 * DROP, has a field out of range, or the batch already holds IMMSCHED_MAX_BATCH commands;
 * IMMSCHED_ERR_BUFFER when it would pass IMMSCHED_MAX_PAYLOAD. next: returns 1 and fills cmd with
 * the command at *at (start with *at = 0), 0 after the last one; a decoded batch is already checked. */
void immsched_batch_init(immsched_batch *b);
immsched_status immsched_batch_add(immsched_batch *b, const immsched_msg *cmd);
int immsched_batch_next(const immsched_batch *b, size_t *at, immsched_msg *cmd);

/* Byte-at-a-time receiver for the serial line: collects COBS bytes up to the 0x00 delimiter and
 * decodes them in place. Over-long and invalid-COBS frames are dropped and counted. */
typedef struct {
    uint8_t *buf;
    size_t cap; /* IMMSCHED_MAX_COBS_FRAME is enough for every valid frame */
    size_t len;
    int overflow;
    uint32_t frames, overlong, malformed;
} immsched_splitter;

void immsched_splitter_init(immsched_splitter *s, uint8_t *buf, size_t cap);
/* Returns 1 when `byte` completed a frame: *frame / *frame_len then point at the raw frame inside
 * s->buf, valid until the next call. Returns 0 otherwise. */
int immsched_splitter_feed(immsched_splitter *s, uint8_t byte, const uint8_t **frame, size_t *frame_len);

const char *immsched_status_name(immsched_status st);

#ifdef __cplusplus
}
#endif
#endif

/* immsched wire protocol v2, C99 codec. See immsched_proto.h and firmware-bridge/PROTOCOL.md. */
#include "immsched_proto.h"

#include <string.h>

/* ---- CRC-16/CCITT-FALSE ------------------------------------------------------------------- */

/* Bitwise rather than a 512-byte table: frames are short and firmware flash is not free. */
uint16_t immsched_crc16(uint16_t crc, const uint8_t *data, size_t len)
{
    size_t i;
    int b;
    for (i = 0; i < len; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (b = 0; b < 8; b++)
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* ---- COBS ---------------------------------------------------------------------------------- */

immsched_status immsched_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t code_at = 0, at = 1, i;
    uint8_t code = 1;
    if (cap < IMMSCHED_COBS_MAX(len)) return IMMSCHED_ERR_BUFFER;
    for (i = 0; i < len; i++) {
        if (in[i] == 0) {
            out[code_at] = code;
            code_at = at++;
            code = 1;
        } else {
            out[at++] = in[i];
            if (++code == 0xFF) { /* a full block of 254 data bytes: no implied zero */
                out[code_at] = code;
                code_at = at++;
                code = 1;
            }
        }
    }
    out[code_at] = code;
    *out_len = at;
    return IMMSCHED_OK;
}

/* Safe in place (out == in): the write position never passes the read position. */
immsched_status immsched_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t i = 0, at = 0, k;
    while (i < len) {
        uint8_t code = in[i++];
        if (code == 0 || (size_t)code - 1u > len - i) return IMMSCHED_ERR_COBS;
        for (k = 1; k < code; k++) {
            uint8_t b = in[i++];
            if (b == 0) return IMMSCHED_ERR_COBS;
            if (at >= cap) return IMMSCHED_ERR_BUFFER;
            out[at++] = b;
        }
        if (code != 0xFF && i < len) {
            if (at >= cap) return IMMSCHED_ERR_BUFFER;
            out[at++] = 0;
        }
    }
    *out_len = at;
    return IMMSCHED_OK;
}

immsched_status immsched_to_wire(const uint8_t *raw, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n;
    immsched_status st;
    if (cap < IMMSCHED_COBS_MAX(len) + 1u) return IMMSCHED_ERR_BUFFER;
    st = immsched_cobs_encode(raw, len, out, cap, &n);
    if (st != IMMSCHED_OK) return st;
    out[n] = 0;
    *out_len = n + 1u;
    return IMMSCHED_OK;
}

/* ---- little-endian fields ------------------------------------------------------------------ */

static void put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_u32(uint8_t *p, uint32_t v) { put_u16(p, (uint16_t)v); put_u16(p + 2, (uint16_t)(v >> 16)); }
static void put_u64(uint8_t *p, uint64_t v) { put_u32(p, (uint32_t)v); put_u32(p + 4, (uint32_t)(v >> 32)); }
static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get_u32(const uint8_t *p) { return (uint32_t)get_u16(p) | ((uint32_t)get_u16(p + 2) << 16); }
static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | ((uint64_t)get_u32(p + 4) << 32); }

/* f64 as its IEEE 754 bits (assumes the target's double is IEEE 754, as on every FPU we target). */
static uint64_t f64_bits(double d) { uint64_t u; memcpy(&u, &d, sizeof u); return u; }
static double bits_f64(uint64_t u) { double d; memcpy(&d, &u, sizeof d); return d; }

/* Energies: finite (exponent not all ones) and sign bit clear, so -0.0 is rejected too. */
static int energy_ok(uint64_t bits)
{
    return (bits >> 63) == 0 && ((bits >> 52) & 0x7FFu) != 0x7FFu;
}

static int board_id_ok(const char *s, size_t n)
{
    size_t i;
    if (n < 1 || n > IMMSCHED_MAX_BOARD_ID) return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return 0;
    }
    return 1;
}

static int text_ok(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E) return 0;
    return 1;
}

/* ---- payloads ------------------------------------------------------------------------------ */

/* Fixed size, or the fixed part of a variable-size payload. -1: unknown type. */
static int fixed_size(uint8_t type)
{
    switch (type) {
    case IMMSCHED_HELLO: return 25;
    case IMMSCHED_HELLO_REQUEST: return 0;
    case IMMSCHED_ARRIVAL: return 27;
    case IMMSCHED_STAGE_DONE: return 22;
    case IMMSCHED_TASK_DONE: return 20;
    case IMMSCHED_SCHEDULE: case IMMSCHED_RESUME: return 9;
    case IMMSCHED_PREEMPT: return 8;
    case IMMSCHED_DROP: return 9;
    case IMMSCHED_BATCH: return 1;
    case IMMSCHED_VARIANT: return 6;
    case IMMSCHED_ACK: return 6;
    case IMMSCHED_NACK: return 3;
    case IMMSCHED_HEARTBEAT: return 16;
    case IMMSCHED_TELEMETRY: return 28;
    case IMMSCHED_ERROR: return 3;
    default: return -1;
    }
}

static int is_variable(uint8_t type)
{
    return type == IMMSCHED_HELLO || type == IMMSCHED_SCHEDULE || type == IMMSCHED_RESUME || type == IMMSCHED_ERROR ||
           type == IMMSCHED_BATCH;
}

/* What a BATCH may carry: the commands, and VARIANT. */
static int is_command(uint8_t type)
{
    return type == IMMSCHED_SCHEDULE || type == IMMSCHED_PREEMPT || type == IMMSCHED_RESUME || type == IMMSCHED_DROP ||
           type == IMMSCHED_VARIANT;
}

/* Walks `count` BATCH entries in e[0..len-1], checking each as PROTOCOL.md §4 BATCH says, in order:
 * no type byte or fewer bytes than the command's fixed part -> LENGTH; not a command -> RANGE; the
 * command's own checks; bytes left over after the last -> LENGTH. */
static immsched_status batch_check(uint8_t count, const uint8_t *e, size_t len)
{
    immsched_msg scratch;
    size_t at = 0, size, avail;
    uint8_t i;
    immsched_status st;
    if (count < 1 || count > IMMSCHED_MAX_BATCH) return IMMSCHED_ERR_RANGE;
    for (i = 0; i < count; i++) {
        uint8_t type;
        if (at >= len) return IMMSCHED_ERR_LENGTH;
        type = e[at];
        if (!is_command(type)) return IMMSCHED_ERR_RANGE;
        size = (size_t)fixed_size(type);
        if (at + 1u + size > len) return IMMSCHED_ERR_LENGTH;
        if (type == IMMSCHED_SCHEDULE || type == IMMSCHED_RESUME) size += 2u * e[at + 1u + 8u];
        avail = len - at - 1u;
        st = immsched_decode_payload(type, e + at + 1u, size < avail ? size : avail, &scratch);
        if (st != IMMSCHED_OK) return st;
        at += 1u + size;
    }
    return at == len ? IMMSCHED_OK : IMMSCHED_ERR_LENGTH;
}

immsched_status immsched_encode_payload(const immsched_msg *m, uint8_t *out, size_t cap, size_t *out_len)
{
    int fixed = fixed_size(m->type);
    size_t n, i;
    if (fixed < 0) return IMMSCHED_ERR_TYPE;
    n = (size_t)fixed;
    switch (m->type) {
    case IMMSCHED_HELLO: n += m->u.hello.board_id_len; break;
    case IMMSCHED_SCHEDULE: case IMMSCHED_RESUME: n += 2u * m->u.schedule.stages; break;
    case IMMSCHED_ERROR: n += m->u.error.text_len; break;
    case IMMSCHED_BATCH: n += m->u.batch.len; break;
    default: break;
    }
    if (cap < n) return IMMSCHED_ERR_BUFFER;
    switch (m->type) {
    case IMMSCHED_HELLO: {
        const immsched_hello *v = &m->u.hello;
        if (v->protocol_version < 1 || v->mesh_width < 1 || v->mesh_height < 1 || v->board_time_ns > IMMSCHED_MAX_NS ||
            !board_id_ok(v->board_id, v->board_id_len))
            return IMMSCHED_ERR_RANGE;
        out[0] = v->protocol_version; out[1] = v->fw_major; out[2] = v->fw_minor; out[3] = v->fw_patch;
        put_u16(out + 4, v->mesh_width); put_u16(out + 6, v->mesh_height); put_u16(out + 8, v->pes_per_tile);
        put_u16(out + 10, v->clock_mhz); put_u16(out + 12, v->max_tasks); put_u16(out + 14, v->flags);
        put_u64(out + 16, v->board_time_ns);
        out[24] = v->board_id_len;
        memcpy(out + 25, v->board_id, v->board_id_len);
        break;
    }
    case IMMSCHED_HELLO_REQUEST:
        break;
    case IMMSCHED_ARRIVAL: {
        const immsched_arrival *v = &m->u.arrival;
        if (v->arrival_ns > IMMSCHED_MAX_NS || v->deadline_ns > IMMSCHED_MAX_NS) return IMMSCHED_ERR_RANGE;
        put_u32(out, v->task_id); put_u16(out + 4, v->model_id); out[6] = v->priority; put_u32(out + 7, v->frame);
        put_u64(out + 11, v->arrival_ns); put_u64(out + 19, v->deadline_ns);
        break;
    }
    case IMMSCHED_STAGE_DONE: {
        const immsched_stage_done *v = &m->u.stage_done;
        if (v->stage >= IMMSCHED_MAX_STEPS || v->busy_ns > IMMSCHED_MAX_NS || v->board_time_ns > IMMSCHED_MAX_NS)
            return IMMSCHED_ERR_RANGE;
        put_u32(out, v->task_id); put_u16(out + 4, v->stage); put_u64(out + 6, v->busy_ns); put_u64(out + 14, v->board_time_ns);
        break;
    }
    case IMMSCHED_TASK_DONE: {
        const immsched_task_done *v = &m->u.task_done;
        if (v->board_time_ns > IMMSCHED_MAX_NS || !energy_ok(f64_bits(v->energy_pj))) return IMMSCHED_ERR_RANGE;
        put_u32(out, v->task_id); put_u64(out + 4, v->board_time_ns); put_u64(out + 12, f64_bits(v->energy_pj));
        break;
    }
    case IMMSCHED_SCHEDULE: case IMMSCHED_RESUME: {
        const immsched_schedule *v = &m->u.schedule;
        if (v->stages > IMMSCHED_MAX_STAGES) return IMMSCHED_ERR_RANGE;
        put_u32(out, v->epoch); put_u32(out + 4, v->task_id); out[8] = v->stages;
        for (i = 0; i < v->stages; i++) put_u16(out + 9 + 2 * i, v->tiles[i]);
        break;
    }
    case IMMSCHED_VARIANT:
        put_u32(out, m->u.variant.task_id); put_u16(out + 4, m->u.variant.model_id);
        break;
    case IMMSCHED_PREEMPT:
        put_u32(out, m->u.preempt.epoch); put_u32(out + 4, m->u.preempt.task_id);
        break;
    case IMMSCHED_DROP:
        if (m->u.drop.reason < IMMSCHED_DROP_DEADLINE || m->u.drop.reason > IMMSCHED_DROP_UNKNOWN_MODEL) return IMMSCHED_ERR_RANGE;
        put_u32(out, m->u.drop.epoch); put_u32(out + 4, m->u.drop.task_id); out[8] = m->u.drop.reason;
        break;
    case IMMSCHED_BATCH: {
        immsched_status st;
        if (m->u.batch.len > sizeof m->u.batch.entries) return IMMSCHED_ERR_RANGE;
        st = batch_check(m->u.batch.count, m->u.batch.entries, m->u.batch.len);
        if (st != IMMSCHED_OK) return st;
        out[0] = m->u.batch.count;
        memcpy(out + 1, m->u.batch.entries, m->u.batch.len);
        break;
    }
    case IMMSCHED_ACK:
        put_u16(out, m->u.ack.acked_seq); put_u32(out + 2, m->u.ack.epoch);
        break;
    case IMMSCHED_NACK:
        if (m->u.nack.reason < IMMSCHED_NACK_CRC || m->u.nack.reason > IMMSCHED_NACK_BUSY) return IMMSCHED_ERR_RANGE;
        put_u16(out, m->u.nack.acked_seq); out[2] = m->u.nack.reason;
        break;
    case IMMSCHED_HEARTBEAT:
        if (m->u.heartbeat.board_time_ns > IMMSCHED_MAX_NS) return IMMSCHED_ERR_RANGE;
        put_u64(out, m->u.heartbeat.board_time_ns); put_u32(out + 8, m->u.heartbeat.counter);
        put_u32(out + 12, m->u.heartbeat.rx_rejected);
        break;
    case IMMSCHED_TELEMETRY: {
        const immsched_telemetry *v = &m->u.telemetry;
        if (v->board_time_ns > IMMSCHED_MAX_NS || !energy_ok(f64_bits(v->energy_pj))) return IMMSCHED_ERR_RANGE;
        put_u64(out, v->board_time_ns); put_u64(out + 8, f64_bits(v->energy_pj)); put_u32(out + 16, v->power_mw);
        put_u16(out + 20, v->busy_tiles); put_u16(out + 22, v->running_tasks); put_u16(out + 24, v->queued_tasks);
        put_u16(out + 26, (uint16_t)v->temp_centi_c);
        break;
    }
    case IMMSCHED_ERROR:
        if (!text_ok(m->u.error.text, m->u.error.text_len)) return IMMSCHED_ERR_RANGE;
        put_u16(out, m->u.error.code); out[2] = m->u.error.text_len;
        memcpy(out + 3, m->u.error.text, m->u.error.text_len);
        break;
    default:
        return IMMSCHED_ERR_TYPE;
    }
    *out_len = n;
    return IMMSCHED_OK;
}

/* Checks in PROTOCOL.md order: (a) size below the fixed part, or not exactly it for a fixed type
 * -> LENGTH; (b) count/length byte out of range -> RANGE; (c) size not fixed + variable part ->
 * LENGTH; (d) any field out of range -> RANGE. */
immsched_status immsched_decode_payload(uint8_t type, const uint8_t *p, size_t len, immsched_msg *m)
{
    int fixed = fixed_size(type);
    size_t i;
    if (fixed < 0) return IMMSCHED_ERR_TYPE;
    if (len < (size_t)fixed || (!is_variable(type) && len != (size_t)fixed)) return IMMSCHED_ERR_LENGTH;
    memset(m, 0, sizeof *m);
    m->type = type;
    switch (type) {
    case IMMSCHED_HELLO: {
        immsched_hello *v = &m->u.hello;
        v->board_id_len = p[24];
        if (v->board_id_len < 1 || v->board_id_len > IMMSCHED_MAX_BOARD_ID) return IMMSCHED_ERR_RANGE;
        if (len != 25u + v->board_id_len) return IMMSCHED_ERR_LENGTH;
        v->protocol_version = p[0]; v->fw_major = p[1]; v->fw_minor = p[2]; v->fw_patch = p[3];
        v->mesh_width = get_u16(p + 4); v->mesh_height = get_u16(p + 6); v->pes_per_tile = get_u16(p + 8);
        v->clock_mhz = get_u16(p + 10); v->max_tasks = get_u16(p + 12); v->flags = get_u16(p + 14);
        v->board_time_ns = get_u64(p + 16);
        memcpy(v->board_id, p + 25, v->board_id_len);
        v->board_id[v->board_id_len] = '\0';
        if (v->protocol_version < 1 || v->mesh_width < 1 || v->mesh_height < 1 || v->board_time_ns > IMMSCHED_MAX_NS ||
            !board_id_ok(v->board_id, v->board_id_len))
            return IMMSCHED_ERR_RANGE;
        break;
    }
    case IMMSCHED_HELLO_REQUEST:
        break;
    case IMMSCHED_ARRIVAL: {
        immsched_arrival *v = &m->u.arrival;
        v->task_id = get_u32(p); v->model_id = get_u16(p + 4); v->priority = p[6]; v->frame = get_u32(p + 7);
        v->arrival_ns = get_u64(p + 11); v->deadline_ns = get_u64(p + 19);
        if (v->arrival_ns > IMMSCHED_MAX_NS || v->deadline_ns > IMMSCHED_MAX_NS) return IMMSCHED_ERR_RANGE;
        break;
    }
    case IMMSCHED_STAGE_DONE: {
        immsched_stage_done *v = &m->u.stage_done;
        v->task_id = get_u32(p); v->stage = get_u16(p + 4); v->busy_ns = get_u64(p + 6); v->board_time_ns = get_u64(p + 14);
        if (v->stage >= IMMSCHED_MAX_STEPS || v->busy_ns > IMMSCHED_MAX_NS || v->board_time_ns > IMMSCHED_MAX_NS)
            return IMMSCHED_ERR_RANGE;
        break;
    }
    case IMMSCHED_TASK_DONE: {
        immsched_task_done *v = &m->u.task_done;
        uint64_t bits = get_u64(p + 12);
        v->task_id = get_u32(p); v->board_time_ns = get_u64(p + 4); v->energy_pj = bits_f64(bits);
        if (v->board_time_ns > IMMSCHED_MAX_NS || !energy_ok(bits)) return IMMSCHED_ERR_RANGE;
        break;
    }
    case IMMSCHED_SCHEDULE: case IMMSCHED_RESUME: {
        immsched_schedule *v = &m->u.schedule;
        v->stages = p[8];
        if (v->stages > IMMSCHED_MAX_STAGES) return IMMSCHED_ERR_RANGE;
        if (len != 9u + 2u * v->stages) return IMMSCHED_ERR_LENGTH;
        v->epoch = get_u32(p); v->task_id = get_u32(p + 4);
        for (i = 0; i < v->stages; i++) v->tiles[i] = get_u16(p + 9 + 2 * i);
        break;
    }
    case IMMSCHED_VARIANT:
        m->u.variant.task_id = get_u32(p); m->u.variant.model_id = get_u16(p + 4);
        break;
    case IMMSCHED_PREEMPT:
        m->u.preempt.epoch = get_u32(p); m->u.preempt.task_id = get_u32(p + 4);
        break;
    case IMMSCHED_DROP:
        m->u.drop.epoch = get_u32(p); m->u.drop.task_id = get_u32(p + 4); m->u.drop.reason = p[8];
        if (p[8] < IMMSCHED_DROP_DEADLINE || p[8] > IMMSCHED_DROP_UNKNOWN_MODEL) return IMMSCHED_ERR_RANGE;
        break;
    case IMMSCHED_BATCH: {
        immsched_status st = batch_check(p[0], p + 1, len - 1u);
        if (st != IMMSCHED_OK) return st;
        m->u.batch.count = p[0];
        m->u.batch.len = (uint16_t)(len - 1u);
        memcpy(m->u.batch.entries, p + 1, len - 1u);
        break;
    }
    case IMMSCHED_ACK:
        m->u.ack.acked_seq = get_u16(p); m->u.ack.epoch = get_u32(p + 2);
        break;
    case IMMSCHED_NACK:
        m->u.nack.acked_seq = get_u16(p); m->u.nack.reason = p[2];
        if (p[2] < IMMSCHED_NACK_CRC || p[2] > IMMSCHED_NACK_BUSY) return IMMSCHED_ERR_RANGE;
        break;
    case IMMSCHED_HEARTBEAT:
        m->u.heartbeat.board_time_ns = get_u64(p); m->u.heartbeat.counter = get_u32(p + 8);
        m->u.heartbeat.rx_rejected = get_u32(p + 12);
        if (m->u.heartbeat.board_time_ns > IMMSCHED_MAX_NS) return IMMSCHED_ERR_RANGE;
        break;
    case IMMSCHED_TELEMETRY: {
        immsched_telemetry *v = &m->u.telemetry;
        uint64_t bits = get_u64(p + 8);
        v->board_time_ns = get_u64(p); v->energy_pj = bits_f64(bits); v->power_mw = get_u32(p + 16);
        v->busy_tiles = get_u16(p + 20); v->running_tasks = get_u16(p + 22); v->queued_tasks = get_u16(p + 24);
        {
            /* Two's complement u16 -> i16 without an implementation-defined conversion. */
            uint16_t u = get_u16(p + 26);
            v->temp_centi_c = u < 0x8000u ? (int16_t)u : (int16_t)((int32_t)u - 65536);
        }
        if (v->board_time_ns > IMMSCHED_MAX_NS || !energy_ok(bits)) return IMMSCHED_ERR_RANGE;
        break;
    }
    case IMMSCHED_ERROR: {
        immsched_error *v = &m->u.error;
        v->text_len = p[2]; /* (b) is vacuous: a u8 cannot exceed 255 */
        if (len != 3u + v->text_len) return IMMSCHED_ERR_LENGTH;
        v->code = get_u16(p);
        memcpy(v->text, p + 3, v->text_len);
        v->text[v->text_len] = '\0';
        if (!text_ok(v->text, v->text_len)) return IMMSCHED_ERR_RANGE;
        break;
    }
    default:
        return IMMSCHED_ERR_TYPE;
    }
    return IMMSCHED_OK;
}

/* ---- frames -------------------------------------------------------------------------------- */

immsched_status immsched_encode(const immsched_msg *m, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n;
    immsched_status st;
    uint16_t crc;
    if (cap < IMMSCHED_HEADER_SIZE + IMMSCHED_CRC_SIZE) return IMMSCHED_ERR_BUFFER;
    st = immsched_encode_payload(m, out + IMMSCHED_HEADER_SIZE, cap - IMMSCHED_HEADER_SIZE - IMMSCHED_CRC_SIZE, &n);
    if (st != IMMSCHED_OK) return st;
    out[0] = m->type == IMMSCHED_HELLO ? IMMSCHED_HELLO_HEADER_VERSION : IMMSCHED_PROTOCOL_VERSION;
    out[1] = m->type;
    put_u16(out + 2, seq);
    put_u16(out + 4, (uint16_t)n);
    crc = immsched_crc16(0xFFFFu, out, IMMSCHED_HEADER_SIZE + n);
    put_u16(out + IMMSCHED_HEADER_SIZE + n, crc);
    *out_len = IMMSCHED_HEADER_SIZE + n + IMMSCHED_CRC_SIZE;
    return IMMSCHED_OK;
}

immsched_status immsched_decode(const uint8_t *f, size_t n, immsched_msg *m, uint16_t *seq, int *seq_valid)
{
    size_t len, body;
    int ok_seq = n >= 4;
    if (seq_valid) *seq_valid = ok_seq;
    if (seq) *seq = ok_seq ? get_u16(f + 2) : 0;
    if (n < IMMSCHED_HEADER_SIZE + IMMSCHED_CRC_SIZE) return IMMSCHED_ERR_TRUNCATED;
    len = get_u16(f + 4);
    if (len > IMMSCHED_MAX_PAYLOAD) return IMMSCHED_ERR_LENGTH;
    body = IMMSCHED_HEADER_SIZE + len;
    if (body + IMMSCHED_CRC_SIZE > n) return IMMSCHED_ERR_TRUNCATED;
    if (body + IMMSCHED_CRC_SIZE < n) return IMMSCHED_ERR_LENGTH;
    if (immsched_crc16(0xFFFFu, f, body) != get_u16(f + body)) return IMMSCHED_ERR_CRC;
    /* a HELLO may carry header version 1 (every board's) or 2; any other frame only this version */
    if (f[0] != IMMSCHED_PROTOCOL_VERSION && !(f[0] == IMMSCHED_HELLO_HEADER_VERSION && f[1] == IMMSCHED_HELLO))
        return IMMSCHED_ERR_VERSION;
    if (fixed_size(f[1]) < 0) return IMMSCHED_ERR_TYPE;
    return immsched_decode_payload(f[1], f + IMMSCHED_HEADER_SIZE, len, m);
}

/* ---- per-message wrappers ------------------------------------------------------------------ */

#define WRAP(fn, TYPE, member, T)                                                                    \
    immsched_status fn(const T *v, uint16_t seq, uint8_t *out, size_t cap, size_t *out_len)          \
    {                                                                                                \
        immsched_msg m;                                                                              \
        m.type = TYPE;                                                                               \
        m.u.member = *v;                                                                             \
        return immsched_encode(&m, seq, out, cap, out_len);                                          \
    }

WRAP(immsched_encode_hello, IMMSCHED_HELLO, hello, immsched_hello)
WRAP(immsched_encode_arrival, IMMSCHED_ARRIVAL, arrival, immsched_arrival)
WRAP(immsched_encode_stage_done, IMMSCHED_STAGE_DONE, stage_done, immsched_stage_done)
WRAP(immsched_encode_task_done, IMMSCHED_TASK_DONE, task_done, immsched_task_done)
WRAP(immsched_encode_preempt, IMMSCHED_PREEMPT, preempt, immsched_preempt)
WRAP(immsched_encode_drop, IMMSCHED_DROP, drop, immsched_drop)
WRAP(immsched_encode_variant, IMMSCHED_VARIANT, variant, immsched_variant)
WRAP(immsched_encode_ack, IMMSCHED_ACK, ack, immsched_ack)
WRAP(immsched_encode_nack, IMMSCHED_NACK, nack, immsched_nack)
WRAP(immsched_encode_heartbeat, IMMSCHED_HEARTBEAT, heartbeat, immsched_heartbeat)
WRAP(immsched_encode_telemetry, IMMSCHED_TELEMETRY, telemetry, immsched_telemetry)
WRAP(immsched_encode_error, IMMSCHED_ERROR, error, immsched_error)

immsched_status immsched_encode_hello_request(uint16_t seq, uint8_t *out, size_t cap, size_t *out_len)
{
    immsched_msg m;
    m.type = IMMSCHED_HELLO_REQUEST;
    return immsched_encode(&m, seq, out, cap, out_len);
}

immsched_status immsched_encode_schedule(const immsched_schedule *v, int resume, uint16_t seq, uint8_t *out, size_t cap,
                                         size_t *out_len)
{
    immsched_msg m;
    m.type = resume ? IMMSCHED_RESUME : IMMSCHED_SCHEDULE;
    m.u.schedule = *v;
    return immsched_encode(&m, seq, out, cap, out_len);
}

/* ---- BATCH ------------------------------------------------------------------------------------ */

void immsched_batch_init(immsched_batch *b)
{
    b->count = 0;
    b->len = 0;
}

immsched_status immsched_batch_add(immsched_batch *b, const immsched_msg *cmd)
{
    size_t n;
    immsched_status st;
    if (!is_command(cmd->type) || b->count >= IMMSCHED_MAX_BATCH) return IMMSCHED_ERR_RANGE;
    if (b->len >= sizeof b->entries) return IMMSCHED_ERR_BUFFER;
    st = immsched_encode_payload(cmd, b->entries + b->len + 1u, sizeof b->entries - b->len - 1u, &n);
    if (st != IMMSCHED_OK) return st;
    b->entries[b->len] = cmd->type;
    b->len = (uint16_t)(b->len + 1u + n);
    b->count++;
    return IMMSCHED_OK;
}

int immsched_batch_next(const immsched_batch *b, size_t *at, immsched_msg *cmd)
{
    size_t size;
    uint8_t type;
    if (*at + 1u >= b->len) return 0;
    type = b->entries[*at];
    if (!is_command(type)) return 0;
    size = (size_t)fixed_size(type);
    if (*at + 1u + size > b->len) return 0;
    if (type == IMMSCHED_SCHEDULE || type == IMMSCHED_RESUME) size += 2u * b->entries[*at + 1u + 8u];
    if (*at + 1u + size > b->len || immsched_decode_payload(type, b->entries + *at + 1u, size, cmd) != IMMSCHED_OK) return 0;
    *at += 1u + size;
    return 1;
}

/* ---- serial receiver ----------------------------------------------------------------------- */

void immsched_splitter_init(immsched_splitter *s, uint8_t *buf, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->buf = buf;
    s->cap = cap;
}

int immsched_splitter_feed(immsched_splitter *s, uint8_t byte, const uint8_t **frame, size_t *frame_len)
{
    size_t n;
    if (byte != 0) {
        if (s->len < s->cap) s->buf[s->len++] = byte;
        else s->overflow = 1;
        return 0;
    }
    n = s->len;
    s->len = 0;
    if (s->overflow) {
        s->overflow = 0;
        s->overlong++;
        return 0;
    }
    if (n == 0) return 0; /* a lone 0x00 flushes the receiver; not an error */
    if (immsched_cobs_decode(s->buf, n, s->buf, s->cap, frame_len) != IMMSCHED_OK) {
        s->malformed++;
        return 0;
    }
    *frame = s->buf;
    s->frames++;
    return 1;
}

const char *immsched_status_name(immsched_status st)
{
    switch (st) {
    case IMMSCHED_OK: return "ok";
    case IMMSCHED_ERR_TRUNCATED: return "truncated";
    case IMMSCHED_ERR_LENGTH: return "length";
    case IMMSCHED_ERR_CRC: return "crc";
    case IMMSCHED_ERR_VERSION: return "version";
    case IMMSCHED_ERR_TYPE: return "type";
    case IMMSCHED_ERR_RANGE: return "range";
    case IMMSCHED_ERR_BUFFER: return "buffer";
    case IMMSCHED_ERR_COBS: return "cobs";
    }
    return "unknown";
}

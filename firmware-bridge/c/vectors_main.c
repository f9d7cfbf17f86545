/*
 * Test driver of the C codec, run by test/protocol/c-codec.test.ts.
 *
 *   vectors_main check FILE   every vector of vectors.txt: decode the hex and compare the fields,
 *                             encode the fields and compare the bytes, COBS both ways, splitter;
 *                             prints PASS/FAIL per vector and "N passed, M failed" (exit 1 on failure)
 *   vectors_main encode       stdin "<seq> <type> <fields...>" per line -> raw frame hex, or "err <status>"
 *   vectors_main decode       stdin raw frame hex per line ("-" = empty) -> "ok <seq> <type> <fields...>"
 *                             or "err <error> <seq|->"
 *   vectors_main split        stdin hex chunks per line ("-" = empty) fed to the serial splitter ->
 *                             "frame <hex>" per frame, then "stats <frames> <overlong> <malformed>"
 *
 * Fields are those of firmware-bridge/vectors/format.ts: decimal integers, %.17g doubles, strings
 * as hex, lists as a count then the items.
 */
#include "immsched_proto.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_CHARS 65536
#define BYTES_MAX 4096

static const struct { const char *name; uint8_t code; } TYPES[] = {
    {"hello", IMMSCHED_HELLO}, {"hello_request", IMMSCHED_HELLO_REQUEST}, {"arrival", IMMSCHED_ARRIVAL},
    {"stage_done", IMMSCHED_STAGE_DONE}, {"task_done", IMMSCHED_TASK_DONE}, {"schedule", IMMSCHED_SCHEDULE},
    {"preempt", IMMSCHED_PREEMPT}, {"resume", IMMSCHED_RESUME}, {"drop", IMMSCHED_DROP}, {"batch", IMMSCHED_BATCH}, {"variant", IMMSCHED_VARIANT}, {"ack", IMMSCHED_ACK},
    {"nack", IMMSCHED_NACK}, {"heartbeat", IMMSCHED_HEARTBEAT}, {"telemetry", IMMSCHED_TELEMETRY},
    {"error", IMMSCHED_ERROR},
};
#define NTYPES (sizeof TYPES / sizeof TYPES[0])

static const char *type_name(uint8_t code)
{
    size_t i;
    for (i = 0; i < NTYPES; i++)
        if (TYPES[i].code == code) return TYPES[i].name;
    return "?";
}

/* ---- hex ------------------------------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "-" is empty. Returns 0 on malformed hex or overflow. */
static int from_hex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    size_t len = strlen(s), i;
    *n = 0;
    if (strcmp(s, "-") == 0) return 1;
    if (len % 2 != 0 || len / 2 > cap) return 0;
    for (i = 0; i < len / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *n = len / 2;
    return 1;
}

static void print_hex(FILE *f, const uint8_t *b, size_t n)
{
    size_t i;
    if (n == 0) fputc('-', f);
    for (i = 0; i < n; i++) fprintf(f, "%02x", b[i]);
}

/* ---- fields <-> message --------------------------------------------------------------------- */

typedef struct {
    char **tok;
    int n, at, bad;
} fields;

static const char *next_tok(fields *f)
{
    if (f->at >= f->n) { f->bad = 1; return "0"; }
    return f->tok[f->at++];
}

static uint64_t num(fields *f, uint64_t max)
{
    const char *s = next_tok(f);
    char *end;
    unsigned long long v;
    if (*s == '-' || *s == '\0') { f->bad = 1; return 0; }
    v = strtoull(s, &end, 10);
    if (*end != '\0' || v > max) f->bad = 1;
    return (uint64_t)v;
}

static int64_t snum(fields *f, int64_t min, int64_t max)
{
    const char *s = next_tok(f);
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max) f->bad = 1;
    return (int64_t)v;
}

static double dnum(fields *f)
{
    const char *s = next_tok(f);
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0') f->bad = 1;
    return v;
}

/* A hex string field into a char buffer of cap bytes (plus NUL); returns its length. */
static uint8_t hexstr(fields *f, char *out, size_t cap)
{
    size_t n;
    if (!from_hex(next_tok(f), (uint8_t *)out, cap, &n)) { f->bad = 1; n = 0; }
    out[n] = '\0';
    return (uint8_t)n;
}

/* Parses "<type> <fields...>" (tokens tok[0..n-1]) into m; returns 0 when malformed. Values the
 * codec would reject (e.g. a u64 above 2^53 - 1) are still parsed, so encode can report RANGE. */
static int parse_msg(char **tok, int n, immsched_msg *m);

/* BATCH fields: the count, then each command as "<type> <fields...>" (arity from its type). A
 * command the codec would refuse (a drop reason out of range) makes the batch invalid: status in *st. */
static int parse_batch(fields *f, immsched_msg *m, immsched_status *st)
{
    static immsched_msg sub; /* large (a BATCH member); the driver is single-threaded */
    uint64_t count = num(f, 0xFF), i;
    immsched_batch_init(&m->u.batch);
    *st = IMMSCHED_OK;
    for (i = 0; i < count && !f->bad; i++) {
        int arity;
        const char *t = f->at < f->n ? f->tok[f->at] : "";
        if (strcmp(t, "preempt") == 0 || strcmp(t, "variant") == 0) arity = 2;
        else if (strcmp(t, "drop") == 0) arity = 3;
        else if ((strcmp(t, "schedule") == 0 || strcmp(t, "resume") == 0) && f->at + 3 < f->n) arity = 3 + atoi(f->tok[f->at + 3]);
        else { f->bad = 1; return 0; }
        if (f->at + 1 + arity > f->n || !parse_msg(f->tok + f->at, 1 + arity, &sub)) { f->bad = 1; return 0; }
        f->at += 1 + arity;
        if (*st == IMMSCHED_OK) *st = immsched_batch_add(&m->u.batch, &sub);
    }
    if (count == 0) *st = IMMSCHED_ERR_RANGE;
    return !f->bad;
}

/* Status of a BATCH parse_msg could not build (a command out of range, no commands), else OK. */
static immsched_status batch_status = IMMSCHED_OK;

static int parse_msg(char **tok, int n, immsched_msg *m)
{
    fields f;
    size_t i;
    int found = 0;
    f.tok = tok; f.n = n; f.at = 1; f.bad = 0;
    memset(m, 0, sizeof *m);
    if (n < 1) return 0;
    for (i = 0; i < NTYPES; i++)
        if (strcmp(tok[0], TYPES[i].name) == 0) { m->type = TYPES[i].code; found = 1; }
    if (!found) return 0;
    switch (m->type) {
    case IMMSCHED_HELLO: {
        immsched_hello *v = &m->u.hello;
        v->protocol_version = (uint8_t)num(&f, 0xFF); v->fw_major = (uint8_t)num(&f, 0xFF);
        v->fw_minor = (uint8_t)num(&f, 0xFF); v->fw_patch = (uint8_t)num(&f, 0xFF);
        v->mesh_width = (uint16_t)num(&f, 0xFFFF); v->mesh_height = (uint16_t)num(&f, 0xFFFF);
        v->pes_per_tile = (uint16_t)num(&f, 0xFFFF); v->clock_mhz = (uint16_t)num(&f, 0xFFFF);
        v->max_tasks = (uint16_t)num(&f, 0xFFFF); v->flags = (uint16_t)num(&f, 0xFFFF);
        v->board_time_ns = num(&f, UINT64_MAX);
        v->board_id_len = hexstr(&f, v->board_id, IMMSCHED_MAX_BOARD_ID);
        break;
    }
    case IMMSCHED_HELLO_REQUEST:
        break;
    case IMMSCHED_ARRIVAL: {
        immsched_arrival *v = &m->u.arrival;
        v->task_id = (uint32_t)num(&f, 0xFFFFFFFFu); v->model_id = (uint16_t)num(&f, 0xFFFF);
        v->priority = (uint8_t)num(&f, 0xFF); v->frame = (uint32_t)num(&f, 0xFFFFFFFFu);
        v->arrival_ns = num(&f, UINT64_MAX); v->deadline_ns = num(&f, UINT64_MAX);
        break;
    }
    case IMMSCHED_STAGE_DONE: {
        immsched_stage_done *v = &m->u.stage_done;
        v->task_id = (uint32_t)num(&f, 0xFFFFFFFFu); v->stage = (uint16_t)num(&f, 0xFFFF);
        v->busy_ns = num(&f, UINT64_MAX); v->board_time_ns = num(&f, UINT64_MAX);
        break;
    }
    case IMMSCHED_TASK_DONE: {
        immsched_task_done *v = &m->u.task_done;
        v->task_id = (uint32_t)num(&f, 0xFFFFFFFFu); v->board_time_ns = num(&f, UINT64_MAX); v->energy_pj = dnum(&f);
        break;
    }
    case IMMSCHED_SCHEDULE: case IMMSCHED_RESUME: {
        immsched_schedule *v = &m->u.schedule;
        v->epoch = (uint32_t)num(&f, 0xFFFFFFFFu); v->task_id = (uint32_t)num(&f, 0xFFFFFFFFu);
        v->stages = (uint8_t)num(&f, IMMSCHED_MAX_STAGES);
        for (i = 0; i < v->stages; i++) v->tiles[i] = (uint16_t)num(&f, 0xFFFF);
        break;
    }
    case IMMSCHED_PREEMPT:
        m->u.preempt.epoch = (uint32_t)num(&f, 0xFFFFFFFFu); m->u.preempt.task_id = (uint32_t)num(&f, 0xFFFFFFFFu);
        break;
    case IMMSCHED_VARIANT:
        m->u.variant.task_id = (uint32_t)num(&f, 0xFFFFFFFFu); m->u.variant.model_id = (uint16_t)num(&f, 0xFFFF);
        break;
    case IMMSCHED_DROP:
        m->u.drop.epoch = (uint32_t)num(&f, 0xFFFFFFFFu); m->u.drop.task_id = (uint32_t)num(&f, 0xFFFFFFFFu);
        m->u.drop.reason = (uint8_t)num(&f, 0xFF);
        break;
    case IMMSCHED_BATCH:
        if (!parse_batch(&f, m, &batch_status)) return 0;
        break;
    case IMMSCHED_ACK:
        m->u.ack.acked_seq = (uint16_t)num(&f, 0xFFFF); m->u.ack.epoch = (uint32_t)num(&f, 0xFFFFFFFFu);
        break;
    case IMMSCHED_NACK:
        m->u.nack.acked_seq = (uint16_t)num(&f, 0xFFFF); m->u.nack.reason = (uint8_t)num(&f, 0xFF);
        break;
    case IMMSCHED_HEARTBEAT:
        m->u.heartbeat.board_time_ns = num(&f, UINT64_MAX); m->u.heartbeat.counter = (uint32_t)num(&f, 0xFFFFFFFFu);
        m->u.heartbeat.rx_rejected = (uint32_t)num(&f, 0xFFFFFFFFu);
        break;
    case IMMSCHED_TELEMETRY: {
        immsched_telemetry *v = &m->u.telemetry;
        v->board_time_ns = num(&f, UINT64_MAX); v->energy_pj = dnum(&f); v->power_mw = (uint32_t)num(&f, 0xFFFFFFFFu);
        v->busy_tiles = (uint16_t)num(&f, 0xFFFF); v->running_tasks = (uint16_t)num(&f, 0xFFFF);
        v->queued_tasks = (uint16_t)num(&f, 0xFFFF); v->temp_centi_c = (int16_t)snum(&f, INT16_MIN, INT16_MAX);
        break;
    }
    case IMMSCHED_ERROR:
        m->u.error.code = (uint16_t)num(&f, 0xFFFF);
        m->u.error.text_len = hexstr(&f, m->u.error.text, IMMSCHED_MAX_ERROR_TEXT);
        break;
    default:
        return 0;
    }
    return !f.bad && f.at == n;
}

/* Appends printf output to a bounded buffer. */
typedef struct { char *p; size_t cap, len; } sbuf;

static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (b->len >= b->cap) return;
    va_start(ap, fmt);
    k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (k > 0) b->len += (size_t)k;
}

static void put_hexstr(sbuf *b, const char *s, size_t n)
{
    size_t i;
    put(b, " ");
    if (n == 0) put(b, "-");
    for (i = 0; i < n; i++) put(b, "%02x", (unsigned char)s[i]);
}

/* "<type> <fields...>", the inverse of parse_msg. */
static void format_msg(const immsched_msg *m, char *out, size_t cap)
{
    sbuf b;
    size_t i;
    b.p = out; b.cap = cap; b.len = 0;
    out[0] = '\0';
    put(&b, "%s", type_name(m->type));
    switch (m->type) {
    case IMMSCHED_HELLO: {
        const immsched_hello *v = &m->u.hello;
        put(&b, " %u %u %u %u %u %u %u %u %u %u %" PRIu64, v->protocol_version, v->fw_major, v->fw_minor, v->fw_patch,
            v->mesh_width, v->mesh_height, v->pes_per_tile, v->clock_mhz, v->max_tasks, v->flags, v->board_time_ns);
        put_hexstr(&b, v->board_id, v->board_id_len);
        break;
    }
    case IMMSCHED_ARRIVAL: {
        const immsched_arrival *v = &m->u.arrival;
        put(&b, " %" PRIu32 " %u %u %" PRIu32 " %" PRIu64 " %" PRIu64, v->task_id, v->model_id, v->priority, v->frame,
            v->arrival_ns, v->deadline_ns);
        break;
    }
    case IMMSCHED_STAGE_DONE: {
        const immsched_stage_done *v = &m->u.stage_done;
        put(&b, " %" PRIu32 " %u %" PRIu64 " %" PRIu64, v->task_id, v->stage, v->busy_ns, v->board_time_ns);
        break;
    }
    case IMMSCHED_TASK_DONE: {
        const immsched_task_done *v = &m->u.task_done;
        put(&b, " %" PRIu32 " %" PRIu64 " %.17g", v->task_id, v->board_time_ns, v->energy_pj);
        break;
    }
    case IMMSCHED_SCHEDULE: case IMMSCHED_RESUME: {
        const immsched_schedule *v = &m->u.schedule;
        put(&b, " %" PRIu32 " %" PRIu32 " %u", v->epoch, v->task_id, v->stages);
        for (i = 0; i < v->stages && i < IMMSCHED_MAX_STAGES; i++) put(&b, " %u", v->tiles[i]);
        break;
    }
    case IMMSCHED_PREEMPT:
        put(&b, " %" PRIu32 " %" PRIu32, m->u.preempt.epoch, m->u.preempt.task_id);
        break;
    case IMMSCHED_VARIANT:
        put(&b, " %" PRIu32 " %u", m->u.variant.task_id, m->u.variant.model_id);
        break;
    case IMMSCHED_DROP:
        put(&b, " %" PRIu32 " %" PRIu32 " %u", m->u.drop.epoch, m->u.drop.task_id, m->u.drop.reason);
        break;
    case IMMSCHED_BATCH: {
        static immsched_msg sub;
        static char one[4096];
        size_t at = 0;
        put(&b, " %u", m->u.batch.count);
        while (immsched_batch_next(&m->u.batch, &at, &sub)) {
            format_msg(&sub, one, sizeof one);
            put(&b, " %s", one);
        }
        break;
    }
    case IMMSCHED_ACK:
        put(&b, " %u %" PRIu32, m->u.ack.acked_seq, m->u.ack.epoch);
        break;
    case IMMSCHED_NACK:
        put(&b, " %u %u", m->u.nack.acked_seq, m->u.nack.reason);
        break;
    case IMMSCHED_HEARTBEAT:
        put(&b, " %" PRIu64 " %" PRIu32 " %" PRIu32, m->u.heartbeat.board_time_ns, m->u.heartbeat.counter,
            m->u.heartbeat.rx_rejected);
        break;
    case IMMSCHED_TELEMETRY: {
        const immsched_telemetry *v = &m->u.telemetry;
        put(&b, " %" PRIu64 " %.17g %" PRIu32 " %u %u %u %d", v->board_time_ns, v->energy_pj, v->power_mw, v->busy_tiles,
            v->running_tasks, v->queued_tasks, v->temp_centi_c);
        break;
    }
    case IMMSCHED_ERROR:
        put(&b, " %u", m->u.error.code);
        put_hexstr(&b, m->u.error.text, m->u.error.text_len);
        break;
    default:
        break;
    }
}

static int split_line(char *line, char **tok, int max)
{
    int n = 0;
    char *t = strtok(line, " \t\r\n");
    while (t && n < max) {
        tok[n++] = t;
        t = strtok(NULL, " \t\r\n");
    }
    return n;
}

/* ---- check mode ----------------------------------------------------------------------------- */

static char line[LINE_MAX_CHARS];
static char *tok[LINE_MAX_CHARS / 2];
static uint8_t raw[BYTES_MAX], wire[BYTES_MAX], buf[BYTES_MAX], buf2[BYTES_MAX];
static char text_a[LINE_MAX_CHARS], text_b[LINE_MAX_CHARS];

/* The COBS layer of a vector: wire == COBS(raw) + 00, and the splitter gives back raw. */
static const char *check_wire(const uint8_t *r, size_t rn, const uint8_t *w, size_t wn, int via_splitter)
{
    size_t n, i;
    immsched_splitter s;
    static uint8_t sbuf_[IMMSCHED_MAX_COBS_FRAME];
    if (immsched_to_wire(r, rn, buf, sizeof buf, &n) != IMMSCHED_OK) return "to_wire failed";
    if (n != wn || memcmp(buf, w, n) != 0) return "COBS encoding differs from wire";
    if (wn < 1 || w[wn - 1] != 0) return "wire does not end with 00";
    if (immsched_cobs_decode(w, wn - 1, buf, sizeof buf, &n) != IMMSCHED_OK) return "COBS decode failed";
    if (n != rn || memcmp(buf, r, n) != 0) return "COBS decoding differs from raw";
    if (via_splitter) {
        const uint8_t *frame = NULL;
        size_t fn = 0;
        int got = 0;
        immsched_splitter_init(&s, sbuf_, sizeof sbuf_);
        for (i = 0; i < wn; i++)
            if (immsched_splitter_feed(&s, w[i], &frame, &fn)) got++;
        if (got != 1 || fn != rn || memcmp(frame, r, rn) != 0) return "splitter did not return raw";
    }
    return NULL;
}

static const char *check_vector(char **t, int n)
{
    int at = -1, i;
    size_t rn, wn, en;
    for (i = 0; i < n; i++)
        if (strcmp(t[i], "raw") == 0) { at = i; break; }
    if (at < 0 || at + 4 != n || strcmp(t[at + 2], "wire") != 0) return "malformed line";
    if (!from_hex(t[at + 1], raw, sizeof raw, &rn) || !from_hex(t[at + 3], wire, sizeof wire, &wn)) return "bad hex";
    if (strcmp(t[0], "cobs") == 0) {
        size_t cn;
        if (at != 2) return "malformed cobs line";
        if (immsched_cobs_encode(raw, rn, buf, sizeof buf, &cn) != IMMSCHED_OK) return "cobs encode failed";
        if (cn + 1 != wn || memcmp(buf, wire, cn) != 0 || wire[cn] != 0) return "COBS encoding differs";
        if (immsched_cobs_decode(wire, wn - 1, buf2, sizeof buf2, &cn) != IMMSCHED_OK) return "cobs decode failed";
        if (cn != rn || memcmp(buf2, raw, rn) != 0) return "COBS decoding differs";
        return NULL;
    }
    if (strcmp(t[0], "ok") == 0) {
        immsched_msg want, got;
        uint16_t seq;
        int seq_valid;
        immsched_status st;
        unsigned long want_seq = strtoul(t[2], NULL, 10);
        batch_status = IMMSCHED_OK;
        if (!parse_msg(t + 3, at - 3, &want) || batch_status != IMMSCHED_OK) return "cannot parse fields";
        st = immsched_decode(raw, rn, &got, &seq, &seq_valid);
        if (st != IMMSCHED_OK) return immsched_status_name(st);
        if (!seq_valid || seq != want_seq) return "decoded seq differs";
        format_msg(&want, text_a, sizeof text_a);
        format_msg(&got, text_b, sizeof text_b);
        if (strcmp(text_a, text_b) != 0) {
            fprintf(stderr, "  want %s\n  got  %s\n", text_a, text_b);
            return "decoded fields differ";
        }
        if (immsched_encode(&want, (uint16_t)want_seq, buf2, sizeof buf2, &en) != IMMSCHED_OK) return "encode failed";
        if (en != rn || memcmp(buf2, raw, rn) != 0) return "encoded bytes differ";
        return check_wire(raw, rn, wire, wn, 1);
    }
    if (strcmp(t[0], "bad") == 0) {
        immsched_msg got;
        uint16_t seq;
        int seq_valid;
        immsched_status st;
        if (at != 4) return "malformed bad line";
        st = immsched_decode(raw, rn, &got, &seq, &seq_valid);
        if (strcmp(immsched_status_name(st), t[2]) != 0) {
            fprintf(stderr, "  want %s, got %s\n", t[2], immsched_status_name(st));
            return "wrong error";
        }
        if (strcmp(t[3], "-") == 0 ? seq_valid : (!seq_valid || seq != strtoul(t[3], NULL, 10))) return "wrong seq";
        return check_wire(raw, rn, wire, wn, rn > 0);
    }
    return "unknown line kind";
}

static int run_check(const char *path)
{
    FILE *f = fopen(path, "r");
    int passed = 0, failed = 0;
    if (!f) { perror(path); return 2; }
    while (fgets(line, sizeof line, f)) {
        int n = split_line(line, tok, (int)(sizeof tok / sizeof tok[0]));
        const char *why;
        if (n == 0 || tok[0][0] == '#') continue;
        why = n >= 2 ? check_vector(tok, n) : "malformed line";
        if (why) { printf("FAIL %s: %s\n", n >= 2 ? tok[1] : "?", why); failed++; }
        else { printf("PASS %s\n", tok[1]); passed++; }
    }
    fclose(f);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* ---- stdin modes ---------------------------------------------------------------------------- */

static int run_encode(void)
{
    while (fgets(line, sizeof line, stdin)) {
        int n = split_line(line, tok, (int)(sizeof tok / sizeof tok[0]));
        immsched_msg m;
        size_t len;
        immsched_status st;
        if (n == 0) continue;
        batch_status = IMMSCHED_OK;
        if (n < 2 || !parse_msg(tok + 1, n - 1, &m)) { printf("err parse\n"); continue; }
        if (batch_status != IMMSCHED_OK) { printf("err %s\n", immsched_status_name(batch_status)); continue; }
        st = immsched_encode(&m, (uint16_t)strtoul(tok[0], NULL, 10), raw, sizeof raw, &len);
        if (st != IMMSCHED_OK) { printf("err %s\n", immsched_status_name(st)); continue; }
        print_hex(stdout, raw, len);
        putchar('\n');
    }
    return 0;
}

static int run_decode(void)
{
    while (fgets(line, sizeof line, stdin)) {
        int n = split_line(line, tok, 2);
        immsched_msg m;
        size_t len;
        uint16_t seq;
        int seq_valid;
        immsched_status st;
        if (n == 0) continue;
        if (!from_hex(tok[0], raw, sizeof raw, &len)) { printf("err hex -\n"); continue; }
        st = immsched_decode(raw, len, &m, &seq, &seq_valid);
        if (st != IMMSCHED_OK) {
            printf("err %s ", immsched_status_name(st));
            if (seq_valid) printf("%u\n", seq); else printf("-\n");
            continue;
        }
        format_msg(&m, text_a, sizeof text_a);
        printf("ok %u %s\n", seq, text_a);
    }
    return 0;
}

static int run_split(void)
{
    static uint8_t sb[IMMSCHED_MAX_COBS_FRAME];
    immsched_splitter s;
    immsched_splitter_init(&s, sb, sizeof sb);
    while (fgets(line, sizeof line, stdin)) {
        int n = split_line(line, tok, 2);
        size_t len, i;
        if (n == 0) continue;
        if (!from_hex(tok[0], raw, sizeof raw, &len)) { printf("err hex\n"); continue; }
        for (i = 0; i < len; i++) {
            const uint8_t *frame;
            size_t fn;
            if (immsched_splitter_feed(&s, raw[i], &frame, &fn)) {
                printf("frame ");
                print_hex(stdout, frame, fn);
                putchar('\n');
            }
        }
    }
    printf("stats %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", s.frames, s.overlong, s.malformed);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "check") == 0) return run_check(argv[2]);
    if (argc == 2 && strcmp(argv[1], "encode") == 0) return run_encode();
    if (argc == 2 && strcmp(argv[1], "decode") == 0) return run_decode();
    if (argc == 2 && strcmp(argv[1], "split") == 0) return run_split();
    fprintf(stderr, "usage: %s check VECTORS.txt | encode | decode | split\n", argv[0]);
    return 2;
}

/* libFuzzer target for the C99 codec (firmware-bridge/c): every byte a board can receive goes
 * through the serial splitter and the frame decoder, as firmware does with its UART, and the raw
 * input is also decoded directly as one frame (the MQTT payload path). A frame that decodes is
 * encoded again and must decode to the same bytes (encode(decode(x)) is stable), so the fuzzer
 * finds decoder/encoder disagreements, not just memory errors. Built with clang
 * -fsanitize=fuzzer,address,undefined by run.sh; every buffer is a fixed array, as on a board. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../immsched_proto.h"

static void check_round_trip(const uint8_t *frame, size_t len) {
    immsched_msg m;
    uint16_t seq = 0;
    int seq_valid = 0;
    if (immsched_decode(frame, len, &m, &seq, &seq_valid) != IMMSCHED_OK) return;
    if (!seq_valid) abort(); /* a frame that decoded has a readable seq */
    uint8_t a[IMMSCHED_MAX_RAW_FRAME], b[IMMSCHED_MAX_RAW_FRAME];
    size_t alen = 0, blen = 0;
    if (immsched_encode(&m, seq, a, sizeof a, &alen) != IMMSCHED_OK) abort(); /* what decodes, encodes */
    immsched_msg m2;
    uint16_t seq2 = 0;
    if (immsched_decode(a, alen, &m2, &seq2, NULL) != IMMSCHED_OK || seq2 != seq) abort();
    if (immsched_encode(&m2, seq2, b, sizeof b, &blen) != IMMSCHED_OK) abort();
    if (alen != blen || memcmp(a, b, alen) != 0) abort();
    /* the wire form of a valid frame fits the receive buffer firmware sizes from the limits */
    uint8_t wire[IMMSCHED_MAX_WIRE_FRAME];
    size_t wlen = 0;
    if (immsched_to_wire(a, alen, wire, sizeof wire, &wlen) != IMMSCHED_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* MQTT path: the payload is one raw frame */
    check_round_trip(data, size);

    /* serial path: bytes through the splitter, each completed frame decoded */
    uint8_t buf[IMMSCHED_MAX_COBS_FRAME];
    immsched_splitter s;
    immsched_splitter_init(&s, buf, sizeof buf);
    for (size_t i = 0; i < size; i++) {
        const uint8_t *frame = NULL;
        size_t flen = 0;
        if (immsched_splitter_feed(&s, data[i], &frame, &flen)) {
            /* bounded by the receive buffer (a frame of 521..527 bytes can come out: the decoder
             * rejects it as "length", which round_trip sees) */
            if (flen > sizeof buf) abort();
            check_round_trip(frame, flen);
        }
    }

    /* COBS decode of the whole input into a buffer of exactly its size */
    if (size > 0 && size <= IMMSCHED_MAX_COBS_FRAME) {
        uint8_t out[IMMSCHED_MAX_COBS_FRAME];
        size_t olen = 0;
        if (immsched_cobs_decode(data, size, out, size, &olen) == IMMSCHED_OK && olen > size) abort();
    }
    return 0;
}

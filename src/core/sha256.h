/* SHA-256 (FIPS 180-4): streaming, plus a helper that hashes a whole file.
 * Used by the selector file to pin each model it names to the exact bytes
 * it was trained with. */
#ifndef AMSEL_CORE_SHA256_H
#define AMSEL_CORE_SHA256_H

#include "amsel/status.h"

#include <stddef.h>
#include <stdint.h>

typedef struct am_sha256 {
    uint32_t h[8];
    uint64_t len;    /* bytes hashed so far */
    uint8_t buf[64]; /* pending partial block */
    size_t nbuf;
} am_sha256;

void am_sha256_init(am_sha256 *s);
void am_sha256_update(am_sha256 *s, const void *data, size_t n);
void am_sha256_final(am_sha256 *s, uint8_t digest[32]);

/* 64 lowercase hex digits and a NUL into hex[65]. */
void am_sha256_hex(const uint8_t digest[32], char hex[65]);

/* Hashes the file at path; hex receives the digest as am_sha256_hex. */
amsel_status am_sha256_file(amsel_ctx *ctx, const char *path, char hex[65]);

#endif

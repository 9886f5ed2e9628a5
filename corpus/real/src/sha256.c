/* SHA-256 (FIPS 180-4): checks itself on the standard's test vectors, then hashes a pseudo-random
 * buffer twice — in one call and streamed in uneven pieces — and prints the digest.
 *   argv: sha256 [KIB]       buffer size in KiB (default 16)
 *   scaled up:  sha256 4096  (4 MiB) */
#include <string.h>

#include "common.h"

typedef struct {
  uint32_t state[8];
  uint64_t length;          /* bytes hashed so far */
  unsigned char block[64];  /* the pending partial block */
  size_t pending;
} Sha256;

static const uint32_t ROUND_CONSTANTS[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_init(Sha256 *h) {
  static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(h->state, initial, sizeof initial);
  h->length = 0;
  h->pending = 0;
}

static void sha256_compress(uint32_t state[8], const unsigned char block[64]) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++) {
    w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 |
           block[4 * i + 3];
  }
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], k = state[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + ROUND_CONSTANTS[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += k;
}

static void sha256_update(Sha256 *h, const unsigned char *bytes, size_t length) {
  h->length += length;
  while (length > 0) {
    size_t take = 64 - h->pending < length ? 64 - h->pending : length;
    memcpy(h->block + h->pending, bytes, take);
    h->pending += take;
    bytes += take;
    length -= take;
    if (h->pending == 64) {
      sha256_compress(h->state, h->block);
      h->pending = 0;
    }
  }
}

static void sha256_final(Sha256 *h, unsigned char digest[32]) {
  uint64_t bits = h->length * 8;
  static const unsigned char padding[64] = {0x80};
  sha256_update(h, padding, h->pending < 56 ? 56 - h->pending : 120 - h->pending);
  unsigned char length_bytes[8];
  for (int i = 0; i < 8; i++) length_bytes[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha256_update(h, length_bytes, 8);
  for (int i = 0; i < 8; i++) {
    for (int j = 0; j < 4; j++) digest[4 * i + j] = (unsigned char)(h->state[i] >> (24 - 8 * j));
  }
}

static void to_hex(const unsigned char digest[32], char hex[65]) {
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

static int check_vector(const char *message, size_t repeat, const char *expected) {
  Sha256 h;
  unsigned char digest[32];
  char hex[65];
  sha256_init(&h);
  for (size_t i = 0; i < repeat; i++) sha256_update(&h, (const unsigned char *)message, strlen(message));
  sha256_final(&h, digest);
  to_hex(digest, hex);
  int ok = strcmp(hex, expected) == 0;
  printf("vector %-10.10s x%-7zu %s\n", message, repeat, ok ? "ok" : hex);
  return ok;
}

int main(int argc, char **argv) {
  size_t size = (size_t)arg_long(argc, argv, 1, 16, 1, 65536) * 1024;
  /* Test vectors: FIPS 180-4's examples, and 1000 'a's (a message that spans many blocks). */
  int ok = check_vector("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ok &= check_vector("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ok &= check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
                     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  ok &= check_vector("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                     "mnopqrstnopqrstu",
                     1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  ok &= check_vector("a", 1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");

  unsigned char *buffer = malloc(size);
  if (buffer == NULL) return EXIT_SELF_CHECK_FAILED;
  for (size_t i = 0; i < size; i++) buffer[i] = (unsigned char)rng_next();

  unsigned char whole[32], streamed[32];
  Sha256 h;
  sha256_init(&h);
  sha256_update(&h, buffer, size);
  sha256_final(&h, whole);
  sha256_init(&h);
  for (size_t at = 0, piece = 1; at < size; at += piece, piece = piece * 7 % 191 + 1) {
    sha256_update(&h, buffer + at, piece < size - at ? piece : size - at);
  }
  sha256_final(&h, streamed);
  free(buffer);

  char hex[65];
  to_hex(whole, hex);
  int same = memcmp(whole, streamed, 32) == 0;
  printf("sha256 of %zu pseudo-random bytes: %s\n", size, hex);
  printf("streamed in uneven pieces: %s\n", same ? "same digest" : "DIFFERENT digest");
  return ok && same ? 0 : EXIT_SELF_CHECK_FAILED;
}

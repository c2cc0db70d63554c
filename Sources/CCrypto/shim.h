#ifndef CONVPIPE_CCRYPTO_H
#define CONVPIPE_CCRYPTO_H
// SHA256_Init/Update/Final are deprecated since OpenSSL 3.0 in favour of EVP,
// and still supported: the one-shot SHA256() now goes through EVP, whose first
// call loads the default provider and its algorithm tables (0.8 ms, each run).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

/// The SHA-256 digest of `count` bytes at `bytes` into the 32 bytes at `digest`
/// (libcrypto's low-level calls: the same code, the processor's SHA
/// instructions included, without EVP's start-up); 1 on success.
static inline int convpipe_sha256(const void *bytes, size_t count, unsigned char *digest) {
  SHA256_CTX context;
  return SHA256_Init(&context) && SHA256_Update(&context, bytes, count) && SHA256_Final(digest, &context);
}
#endif

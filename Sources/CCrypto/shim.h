#ifndef CONVPIPE_CCRYPTO_H
#define CONVPIPE_CCRYPTO_H
#include <openssl/sha.h>
#endif

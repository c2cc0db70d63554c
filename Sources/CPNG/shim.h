#ifndef CONVPIPE_CPNG_H
#define CONVPIPE_CPNG_H
#include <png.h>
#endif

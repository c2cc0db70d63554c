#ifndef CONVPIPE_COPENBLAS_H
#define CONVPIPE_COPENBLAS_H
#include <cblas.h>
#endif

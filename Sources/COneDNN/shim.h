#ifndef CONVPIPE_CONEDNN_H
#define CONVPIPE_CONEDNN_H
// oneDNN's C API (Debian's libdnnl-dev, built on GNU OpenMP), and the one
// OpenMP call convpipe needs: the threads of the parallel regions this thread
// starts, which bounds the threads of each primitive it executes.
#include <oneapi/dnnl/dnnl.h>
void omp_set_num_threads(int threads);
#endif

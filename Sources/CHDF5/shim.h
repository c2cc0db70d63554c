#ifndef CONVPIPE_CHDF5_H
#define CONVPIPE_CHDF5_H
#include <hdf5.h>
#endif

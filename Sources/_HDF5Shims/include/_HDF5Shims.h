// HDF5 names that are C macros expanding to library globals or casts,
// which Swift cannot import, exposed as tiny inline functions.
#ifndef CONVPIPE_HDF5_SHIMS_H
#define CONVPIPE_HDF5_SHIMS_H

#include <hdf5.h>

static inline hid_t convpipe_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t convpipe_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t convpipe_H5E_DEFAULT(void) { return H5E_DEFAULT; }

static inline hid_t convpipe_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t convpipe_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t convpipe_H5P_DATASET_XFER(void) { return H5P_DATASET_XFER; }
static inline hid_t convpipe_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t convpipe_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }

static inline hid_t convpipe_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t convpipe_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t convpipe_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t convpipe_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t convpipe_H5T_C_S1(void) { return H5T_C_S1; }
/// The size that marks a string datatype as variable-length.
static inline size_t convpipe_H5T_VARIABLE(void) { return H5T_VARIABLE; }

static inline unsigned convpipe_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned convpipe_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned convpipe_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned convpipe_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }

/// The address of nothing (an unallocated dataset's offset).
static inline haddr_t convpipe_HADDR_UNDEF(void) { return HADDR_UNDEF; }

/// The file address of the object header of the object at `name` under `location`,
/// or HADDR_UNDEF (the object-info call changed in 1.12).
static inline haddr_t convpipe_object_header_address(hid_t location, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  haddr_t address = HADDR_UNDEF;
  if (H5Oget_info_by_name3(location, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return HADDR_UNDEF;
  if (H5VLnative_token_to_addr(location, info.token, &address) < 0) return HADDR_UNDEF;
  return address;
#else
  H5O_info_t info;
  if (H5Oget_info_by_name2(location, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return HADDR_UNDEF;
  return info.addr;
#endif
}

/// Caps the metadata cache of files opened with the file access properties
/// `access` at `bytes` (libhdf5 grows it to 32 MiB by default as a file gains objects).
static inline herr_t convpipe_limit_metadata_cache(hid_t access, size_t bytes) {
  H5AC_cache_config_t config;
  config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  if (H5Pget_mdc_config(access, &config) < 0) return -1;
  config.set_initial_size = 1;
  config.initial_size = bytes;
  config.max_size = bytes;
  if (config.min_size > bytes) config.min_size = bytes;
  return H5Pset_mdc_config(access, &config);
}

/// Opens the library (H5open) so the globals above are initialised.
static inline herr_t convpipe_H5open(void) { return H5open(); }

#endif

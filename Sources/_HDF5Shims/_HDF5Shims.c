// Intentionally empty: the shims are inline functions in include/_HDF5Shims.h.

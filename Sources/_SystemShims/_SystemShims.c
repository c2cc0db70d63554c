// Intentionally empty: the shims are inline functions in include/_SystemShims.h.

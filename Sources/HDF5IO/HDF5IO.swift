import ConvCore
import CHDF5
import _HDF5Shims

let probe = convpipe_H5P_DEFAULT()

import ConvCore
import PNGIO
import HDF5IO

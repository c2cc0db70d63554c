import ConvPipeCommand
import _SystemShims

// Every item allocates the same large tensors again. glibc would map each
// (above its mmap threshold) and unmap it when freed, so every item would
// fault its pages back in and have the kernel zero them; kept in the heap,
// freed buffers serve the next item. Peak memory stays the largest item's.
convpipe_keep_freed_memory(256 << 20)

ConvPipe.runAndExit()

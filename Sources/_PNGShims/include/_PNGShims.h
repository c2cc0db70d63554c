// libpng's full read and write API behind setjmp, so that its longjmp-based
// error reporting never crosses Swift frames. Every function opens and closes
// the file itself (on every path), or writes into memory it allocates, and
// reports failure as a status plus a detail message copied into the caller's buffer.
#ifndef CONVPIPE_PNG_SHIMS_H
#define CONVPIPE_PNG_SHIMS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  CONVPIPE_PNG_OK = 0,
  CONVPIPE_PNG_OPEN_FAILED,    // message: strerror of fopen/fread
  CONVPIPE_PNG_EMPTY_FILE,
  CONVPIPE_PNG_BAD_SIGNATURE,  // fewer than 8 bytes, or not the PNG signature
  CONVPIPE_PNG_TRUNCATED,      // the file ended before libpng had all it needed
  CONVPIPE_PNG_LIBPNG_ERROR,   // message: libpng's own error text
  CONVPIPE_PNG_TOO_LARGE,      // more samples than the caller's limit
  CONVPIPE_PNG_OUT_OF_MEMORY,
  CONVPIPE_PNG_WRITE_FAILED,   // message: strerror of fwrite/fclose
} convpipe_png_status;

/// The IHDR fields as stored, plus whether a tRNS chunk is present.
typedef struct {
  uint32_t width;
  uint32_t height;
  int bit_depth;    // 1, 2, 4, 8 or 16
  int color_type;   // PNG_COLOR_TYPE_*
  int interlaced;   // 1 for Adam7
  int has_trns;
} convpipe_png_header;

/// Reads the signature and the chunks up to the first IDAT, not pixel data.
convpipe_png_status convpipe_png_read_header(const char *path, convpipe_png_header *header,
                                             char *message, size_t message_size);

/// Decodes the whole image into a malloc'd buffer of interleaved samples
/// (the caller frees it with free()), and its text chunks (tEXt, zTXt, iTXt)
/// into a malloc'd buffer of `*text_size` bytes holding, for each, the key and
/// the text, each NUL-terminated (NULL and 0 when there are none). Palettes expand to RGB, or RGBA when a
/// tRNS chunk exists; gray below 8 bits scales to 8 bits; tRNS on gray or RGB
/// images is not applied. Samples are uint8 when *bit_depth is 8 and native
/// uint16 when 16. Fails with CONVPIPE_PNG_TOO_LARGE when
/// width * height * channels exceeds max_samples.
convpipe_png_status convpipe_png_decode(const char *path, size_t max_samples,
                                        convpipe_png_header *header, int *channels,
                                        int *bit_depth, void **samples, char **text, size_t *text_size,
                                        char *message, size_t message_size);

/// The same as convpipe_png_decode, from the `size` bytes of a PNG file at `data`.
convpipe_png_status convpipe_png_decode_memory(const void *data, size_t size, size_t max_samples,
                                               convpipe_png_header *header, int *channels,
                                               int *bit_depth, void **samples, char **text, size_t *text_size,
                                               char *message, size_t message_size);

/// Encodes interleaved samples (uint8 for bit_depth 8, native uint16 for 16)
/// as a non-interlaced PNG: 1 channel gray, 2 gray+alpha, 3 RGB, 4 RGBA, with
/// `text_count` tEXt chunks before the image data, read from `text` as
/// NUL-terminated key and text, one after the other (Latin-1; keys 1-79 bytes).
/// On failure the partly written file is removed.
convpipe_png_status convpipe_png_encode(const char *path, uint32_t width, uint32_t height,
                                        int channels, int bit_depth, const void *samples, const char *text, int text_count,
                                        char *message, size_t message_size);

/// Encodes as convpipe_png_encode does, into memory instead of a file: on
/// success *bytes is a malloc'd buffer of *byte_count PNG bytes (the caller
/// frees it with free()); on failure nothing is allocated.
convpipe_png_status convpipe_png_encode_memory(uint32_t width, uint32_t height, int channels,
                                               int bit_depth, const void *samples, const char *text, int text_count,
                                               void **bytes, size_t *byte_count,
                                               char *message, size_t message_size);

#endif

#include "_PNGShims.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_IS_LITTLE_ENDIAN 1
#else
#define NATIVE_IS_LITTLE_ENDIAN 0
#endif

/// One open file (or buffer in memory) and libpng struct pair, plus where a
/// failure is recorded.
typedef struct {
  FILE *file;
  const png_byte *memory;  // read from here instead of `file` when set
  size_t memory_size;
  size_t memory_offset;
  png_structp png;
  png_infop info;
  convpipe_png_status status;
  char *message;
  size_t message_size;
} png_session;

static void set_message(png_session *session, const char *text) {
  if (session->message_size > 0) snprintf(session->message, session->message_size, "%s", text);
}

static PNG_NORETURN void fail(png_session *session, convpipe_png_status status, const char *text) {
  session->status = status;
  set_message(session, text);
  png_longjmp(session->png, 1);
}

static PNG_NORETURN void on_error(png_structp png, png_const_charp text) {
  fail(png_get_error_ptr(png), CONVPIPE_PNG_LIBPNG_ERROR, text);
}

static void on_warning(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

/// Copies up to `length` bytes from the session's file or buffer; returns how many.
static size_t read_bytes(png_session *session, png_bytep data, size_t length) {
  if (!session->memory) return fread(data, 1, length, session->file);
  size_t left = session->memory_size - session->memory_offset;
  size_t count = length < left ? length : left;
  memcpy(data, session->memory + session->memory_offset, count);
  session->memory_offset += count;
  return count;
}

static void read_from_source(png_structp png, png_bytep data, size_t length) {
  png_session *session = png_get_io_ptr(png);
  if (read_bytes(session, data, length) == length) return;
  if (session->memory || feof(session->file)) fail(session, CONVPIPE_PNG_TRUNCATED, "unexpected end of file");
  fail(session, CONVPIPE_PNG_LIBPNG_ERROR, strerror(errno));
}

typedef void (*png_steps)(png_session *session, void *job);

/// The one place that calls setjmp: runs `steps`, which may fail anywhere
/// through libpng's error handler or `fail`. All state lives in `session` and
/// `job`, outside this frame, so nothing is lost across the longjmp.
static convpipe_png_status run_guarded(png_session *session, png_steps steps, void *job) {
  if (setjmp(png_jmpbuf(session->png))) return session->status;
  steps(session, job);
  return session->status;
}

/// Checks the signature of the session's source and sets libpng up to read the rest.
static convpipe_png_status start_reading(png_session *session) {
  png_byte signature[8];
  size_t got = read_bytes(session, signature, sizeof signature);
  if (session->file && ferror(session->file)) {
    set_message(session, strerror(errno));
    return CONVPIPE_PNG_OPEN_FAILED;
  }
  if (got == 0) return CONVPIPE_PNG_EMPTY_FILE;
  if (got < sizeof signature || png_sig_cmp(signature, 0, sizeof signature) != 0)
    return CONVPIPE_PNG_BAD_SIGNATURE;
  session->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, session, on_error, on_warning);
  if (session->png) session->info = png_create_info_struct(session->png);
  if (!session->info) return CONVPIPE_PNG_OUT_OF_MEMORY;
  png_set_read_fn(session->png, session, read_from_source);
  png_set_sig_bytes(session->png, sizeof signature);
  return CONVPIPE_PNG_OK;
}

static convpipe_png_status open_for_reading(png_session *session, const char *path) {
  session->file = fopen(path, "rb");
  if (!session->file) {
    set_message(session, strerror(errno));
    return CONVPIPE_PNG_OPEN_FAILED;
  }
  return start_reading(session);
}

static void close_reading(png_session *session) {
  if (session->png) png_destroy_read_struct(&session->png, &session->info, NULL);
  if (session->file) fclose(session->file);
}

static void read_header_steps(png_session *session, void *job) {
  convpipe_png_header *header = job;
  png_uint_32 width, height;
  int bit_depth, color_type, interlace;
  png_read_info(session->png, session->info);
  png_get_IHDR(session->png, session->info, &width, &height, &bit_depth, &color_type,
               &interlace, NULL, NULL);
  header->width = width;
  header->height = height;
  header->bit_depth = bit_depth;
  header->color_type = color_type;
  header->interlaced = interlace == PNG_INTERLACE_ADAM7;
  header->has_trns = png_get_valid(session->png, session->info, PNG_INFO_tRNS) != 0;
}

convpipe_png_status convpipe_png_read_header(const char *path, convpipe_png_header *header,
                                             char *message, size_t message_size) {
  png_session session = {.message = message, .message_size = message_size};
  convpipe_png_status status = open_for_reading(&session, path);
  if (status == CONVPIPE_PNG_OK) status = run_guarded(&session, read_header_steps, header);
  close_reading(&session);
  return status;
}

typedef struct {
  size_t max_samples;
  convpipe_png_header header;
  int channels;
  int bit_depth;
  png_bytep pixels;
  png_bytepp rows;
  char *text;
  size_t text_size;
} decode_job;

/// Copies the text chunks libpng has read into `job->text` as key, NUL, text, NUL, ...
static void collect_text(png_session *session, decode_job *job) {
  png_textp chunks = NULL;
  int count = png_get_text(session->png, session->info, &chunks, NULL);
  size_t size = 0;
  for (int i = 0; i < count; i++)
    size += strlen(chunks[i].key) + 1 + (chunks[i].text ? strlen(chunks[i].text) : 0) + 1;
  if (size == 0) return;
  job->text = malloc(size);
  if (!job->text) fail(session, CONVPIPE_PNG_OUT_OF_MEMORY, "out of memory");
  char *end = job->text;
  for (int i = 0; i < count; i++) {
    end = stpcpy(end, chunks[i].key) + 1;
    end = stpcpy(end, chunks[i].text ? chunks[i].text : "") + 1;
  }
  job->text_size = size;
}

static void decode_steps(png_session *session, void *context) {
  decode_job *job = context;
  png_structp png = session->png;
  read_header_steps(session, &job->header);
  if (job->header.color_type == PNG_COLOR_TYPE_PALETTE) {
    png_set_palette_to_rgb(png);
    if (job->header.has_trns) png_set_tRNS_to_alpha(png);
  }
  if (job->header.color_type == PNG_COLOR_TYPE_GRAY && job->header.bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  if (NATIVE_IS_LITTLE_ENDIAN && job->header.bit_depth == 16) png_set_swap(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, session->info);

  job->channels = png_get_channels(png, session->info);
  job->bit_depth = png_get_bit_depth(png, session->info);
  size_t height = job->header.height;
  size_t row_samples = (size_t)job->header.width * (size_t)job->channels;
  if (height > 0 && row_samples > job->max_samples / height)
    fail(session, CONVPIPE_PNG_TOO_LARGE, "width x height x channels exceeds the sample limit");
  size_t row_bytes = png_get_rowbytes(png, session->info);
  job->pixels = malloc(row_bytes * height);
  job->rows = malloc(sizeof(png_bytep) * height);
  if (!job->pixels || !job->rows) fail(session, CONVPIPE_PNG_OUT_OF_MEMORY, "out of memory");
  for (size_t y = 0; y < height; y++) job->rows[y] = job->pixels + y * row_bytes;
  png_read_image(png, job->rows);
  png_read_end(png, session->info);
  collect_text(session, job);
}

/// Decodes from the session's opened source (`status` says whether opening worked).
static convpipe_png_status decode_opened(png_session *session, convpipe_png_status status,
                                         size_t max_samples, convpipe_png_header *header,
                                         int *channels, int *bit_depth, void **samples,
                                         char **text, size_t *text_size) {
  decode_job job = {.max_samples = max_samples};
  if (status == CONVPIPE_PNG_OK) status = run_guarded(session, decode_steps, &job);
  close_reading(session);
  free(job.rows);
  if (status != CONVPIPE_PNG_OK) {
    free(job.pixels);
    free(job.text);
    return status;
  }
  *header = job.header;
  *channels = job.channels;
  *bit_depth = job.bit_depth;
  *samples = job.pixels;
  *text = job.text;
  *text_size = job.text_size;
  return CONVPIPE_PNG_OK;
}

convpipe_png_status convpipe_png_decode(const char *path, size_t max_samples,
                                        convpipe_png_header *header, int *channels,
                                        int *bit_depth, void **samples, char **text,
                                        size_t *text_size, char *message, size_t message_size) {
  png_session session = {.message = message, .message_size = message_size};
  convpipe_png_status status = open_for_reading(&session, path);
  return decode_opened(&session, status, max_samples, header, channels, bit_depth, samples, text,
                       text_size);
}

convpipe_png_status convpipe_png_decode_memory(const void *data, size_t size, size_t max_samples,
                                               convpipe_png_header *header, int *channels,
                                               int *bit_depth, void **samples, char **text,
                                               size_t *text_size, char *message,
                                               size_t message_size) {
  png_session session = {.message = message, .message_size = message_size,
                         .memory = data, .memory_size = size};
  convpipe_png_status status = start_reading(&session);
  return decode_opened(&session, status, max_samples, header, channels, bit_depth, samples, text,
                       text_size);
}

typedef struct {
  uint32_t width;
  uint32_t height;
  int channels;
  int bit_depth;
  const png_byte *samples;
  const char *text;
  int text_count;
  png_bytepp rows;
  png_textp chunks;
} encode_job;

static int color_type_for(int channels) {
  switch (channels) {
    case 1: return PNG_COLOR_TYPE_GRAY;
    case 2: return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3: return PNG_COLOR_TYPE_RGB;
    default: return PNG_COLOR_TYPE_RGB_ALPHA;
  }
}

static void encode_steps(png_session *session, void *context) {
  encode_job *job = context;
  png_structp png = session->png;
  if (job->channels < 1 || job->channels > 4 || (job->bit_depth != 8 && job->bit_depth != 16))
    png_error(png, "only 8- or 16-bit images with 1 to 4 channels can be written");
  png_set_IHDR(png, session->info, job->width, job->height, job->bit_depth,
               color_type_for(job->channels), PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (job->text_count > 0) {
    job->chunks = calloc((size_t)job->text_count, sizeof(png_text));
    if (!job->chunks) fail(session, CONVPIPE_PNG_OUT_OF_MEMORY, "out of memory");
    const char *next = job->text;
    for (int i = 0; i < job->text_count; i++) {
      job->chunks[i].compression = PNG_TEXT_COMPRESSION_NONE;
      job->chunks[i].key = (png_charp)next;
      next += strlen(next) + 1;
      job->chunks[i].text = (png_charp)next;
      job->chunks[i].text_length = strlen(next);
      next += strlen(next) + 1;
    }
    png_set_text(png, session->info, job->chunks, job->text_count);
  }
  png_write_info(png, session->info);
  if (NATIVE_IS_LITTLE_ENDIAN && job->bit_depth == 16) png_set_swap(png);
  size_t row_bytes = (size_t)job->width * (size_t)job->channels * (size_t)(job->bit_depth / 8);
  job->rows = malloc(sizeof(png_bytep) * job->height);
  if (!job->rows) fail(session, CONVPIPE_PNG_OUT_OF_MEMORY, "out of memory");
  for (size_t y = 0; y < job->height; y++) job->rows[y] = (png_bytep)job->samples + y * row_bytes;
  png_write_image(png, job->rows);
  png_write_end(png, NULL);
}

/// Where encoded bytes go: a file (`session->file`) or a growable buffer.
typedef void (*png_destination)(png_session *session, void *target);

static void to_file(png_session *session, void *target) {
  (void)target;
  png_init_io(session->png, session->file);
}

/// A growable buffer of encoded bytes, malloc'd.
typedef struct {
  png_bytep data;
  size_t size;
  size_t capacity;
} memory_buffer;

static void append_to_memory(png_structp png, png_bytep data, size_t length) {
  memory_buffer *buffer = png_get_io_ptr(png);
  if (length > buffer->capacity - buffer->size) {
    size_t capacity = buffer->capacity ? buffer->capacity : 4096;
    while (length > capacity - buffer->size) {
      if (capacity > SIZE_MAX / 2) fail(png_get_error_ptr(png), CONVPIPE_PNG_OUT_OF_MEMORY, "out of memory");
      capacity *= 2;
    }
    png_bytep grown = realloc(buffer->data, capacity);
    if (!grown) fail(png_get_error_ptr(png), CONVPIPE_PNG_OUT_OF_MEMORY, "out of memory");
    buffer->data = grown;
    buffer->capacity = capacity;
  }
  memcpy(buffer->data + buffer->size, data, length);
  buffer->size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

static void to_memory(png_session *session, void *target) {
  png_set_write_fn(session->png, target, append_to_memory, flush_nothing);
}

/// Creates the write structs, points them at the destination and encodes
/// `job` behind setjmp; the structs and the row pointers are freed on every path.
static convpipe_png_status encode_guarded(png_session *session, encode_job *job,
                                          png_destination destination, void *target) {
  convpipe_png_status status = CONVPIPE_PNG_OUT_OF_MEMORY;
  session->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, session, on_error, on_warning);
  if (session->png) session->info = png_create_info_struct(session->png);
  if (session->info) {
    destination(session, target);
    status = run_guarded(session, encode_steps, job);
  }
  if (session->png) png_destroy_write_struct(&session->png, &session->info);
  free(job->rows);
  free(job->chunks);
  return status;
}

convpipe_png_status convpipe_png_encode(const char *path, uint32_t width, uint32_t height,
                                        int channels, int bit_depth, const void *samples,
                                        const char *text, int text_count, char *message,
                                        size_t message_size) {
  png_session session = {.message = message, .message_size = message_size};
  encode_job job = {width, height, channels, bit_depth, samples, text, text_count, NULL, NULL};
  session.file = fopen(path, "wb");
  if (!session.file) {
    set_message(&session, strerror(errno));
    return CONVPIPE_PNG_OPEN_FAILED;
  }
  convpipe_png_status status = encode_guarded(&session, &job, to_file, NULL);
  if (fclose(session.file) != 0 && status == CONVPIPE_PNG_OK) {
    set_message(&session, strerror(errno));
    status = CONVPIPE_PNG_WRITE_FAILED;
  }
  if (status != CONVPIPE_PNG_OK) remove(path);
  return status;
}

convpipe_png_status convpipe_png_encode_memory(uint32_t width, uint32_t height, int channels,
                                               int bit_depth, const void *samples,
                                               const char *text, int text_count, void **bytes,
                                               size_t *byte_count, char *message,
                                               size_t message_size) {
  png_session session = {.message = message, .message_size = message_size};
  encode_job job = {width, height, channels, bit_depth, samples, text, text_count, NULL, NULL};
  memory_buffer buffer = {NULL, 0, 0};
  convpipe_png_status status = encode_guarded(&session, &job, to_memory, &buffer);
  if (status != CONVPIPE_PNG_OK) {
    free(buffer.data);
    return status;
  }
  *bytes = buffer.data;
  *byte_count = buffer.size;
  return CONVPIPE_PNG_OK;
}

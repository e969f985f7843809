/*
 * Read-only file mappings for Node (N-API, so one build serves every Node version): `map(path)` maps a
 * whole file into memory and returns it as an ArrayBuffer, its pages read from the page cache up front
 * (MAP_POPULATE) and unmapped when the buffer is collected; `mapInto` maps a file range over a large
 * buffer the caller allocated, for files larger than Node lets one external buffer be. `select` reads a float32 .npy in place this
 * way instead of copying it into fresh memory (src/select/mapped-file.ts says why). The mapping is
 * private and read-only: a write through it is a crash, never a change to the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_BYTES 4096

static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

/* Throws an Error whose `code` is the errno name Node uses (ENOENT, EACCES, ...) when it knows one. */
static napi_value throw_errno(napi_env env, const char *what, const char *path, int error) {
  char message[PATH_BYTES + 128];
  snprintf(message, sizeof message, "%s %s: %s", what, path, strerror(error));
  const char *code = error == ENOENT ? "ENOENT" : error == EACCES ? "EACCES" : error == ENOMEM ? "ENOMEM" : error == EISDIR ? "EISDIR" : "EIO";
  napi_throw_error(env, code, message);
  return NULL;
}

/*
 * Reads a call's `count` arguments into argv, the first (a path shorter than PATH_BYTES - 1) into `path`;
 * on a wrong call throws a TypeError that shows `usage`, and returns false.
 */
static bool path_arguments(napi_env env, napi_callback_info info, size_t count, napi_value *argv, char *path, const char *usage) {
  size_t argc = count;
  size_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < count ||
      napi_get_value_string_utf8(env, argv[0], path, PATH_BYTES, &length) != napi_ok || length >= PATH_BYTES - 1) {
    char message[256];
    snprintf(message, sizeof message, "expected %s, the path a string shorter than %d bytes", usage, PATH_BYTES - 1);
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  return true;
}

/* Opens a regular file to map and gives its size; on failure throws (naming the file) and returns -1. */
static int open_regular(napi_env env, const char *path, uint64_t *size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw_errno(env, "cannot open", path, errno);
    return -1;
  }
  struct stat info;
  int error = fstat(fd, &info) != 0 ? errno : S_ISDIR(info.st_mode) ? EISDIR : !S_ISREG(info.st_mode) ? EINVAL : 0;
  if (error != 0) {
    close(fd);
    throw_errno(env, "cannot map", path, error);
    return -1;
  }
  *size = (uint64_t)info.st_size;
  return fd;
}

static napi_value map_file(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[PATH_BYTES];
  if (!path_arguments(env, info, 1, argv, path, "map(path)")) return NULL;
  uint64_t file_size = 0;
  int fd = open_regular(env, path, &file_size);
  if (fd < 0) return NULL;
  napi_value buffer;
  size_t size = (size_t)file_size;
  if (size == 0) {
    close(fd);
    void *none;
    if (napi_create_arraybuffer(env, 0, &none, &buffer) != napi_ok) return NULL;
    return buffer;
  }
  void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  int error = errno;
  close(fd);
  if (data == MAP_FAILED) return throw_errno(env, "cannot map", path, error);
  if (napi_create_external_arraybuffer(env, data, size, unmap, (void *)(uintptr_t)size, &buffer) != napi_ok) {
    munmap(data, size);
    napi_throw_error(env, NULL, "map(path): this Node does not accept external buffers");
    return NULL;
  }
  return buffer;
}

/*
 * mapInto(path, buffer, fileOffset, length): maps bytes [fileOffset, fileOffset + length) of the file
 * read-only over pages inside `buffer` (an ArrayBuffer allocated by the caller, at least length + 2 x 64 KiB)
 * and returns the byte offset in `buffer` where they start. For files larger than one external buffer can be
 * (Node 20: 4 GiB): the caller's buffer is that large already. Only whole pages strictly inside the buffer
 * are replaced, never the first (where the allocator keeps its chunk header); the buffer must come from an
 * allocation of its own (glibc serves anything over 32 MiB with mmap, and munmaps it whole when it is freed,
 * which ends the file mapping with it), so callers use this only for such sizes.
 */
static napi_value map_into(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char path[PATH_BYTES];
  if (!path_arguments(env, info, 4, argv, path, "mapInto(path, buffer, fileOffset, length)")) return NULL;
  void *data = NULL;
  size_t size = 0;
  int64_t file_offset = 0, bytes = 0;
  if (napi_get_arraybuffer_info(env, argv[1], &data, &size) != napi_ok || napi_get_value_int64(env, argv[2], &file_offset) != napi_ok ||
      napi_get_value_int64(env, argv[3], &bytes) != napi_ok || file_offset < 0 || bytes <= 0) {
    napi_throw_type_error(env, NULL, "mapInto: expected an ArrayBuffer, a file offset >= 0 and a length > 0");
    return NULL;
  }
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uintptr_t start = (uintptr_t)data;
  size_t in_page = (size_t)file_offset % page;
  /* The first page boundary past the buffer's first page, then where the file's page puts the bytes. */
  uintptr_t mapped_at = (start / page + 1) * page;
  size_t mapped_bytes = ((in_page + (size_t)bytes + page - 1) / page) * page;
  if (mapped_at + mapped_bytes > start + size) {
    napi_throw_range_error(env, NULL, "mapInto: the buffer is too small (it needs length + 2 pages)");
    return NULL;
  }
  uint64_t file_size = 0;
  int fd = open_regular(env, path, &file_size);
  if (fd < 0) return NULL;
  if (file_size < (uint64_t)file_offset + (uint64_t)bytes) {
    close(fd);
    return throw_errno(env, "cannot map the asked range of", path, EINVAL);
  }
  void *got = mmap((void *)mapped_at, mapped_bytes, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, (off_t)(file_offset - (int64_t)in_page));
  int error = errno;
  close(fd);
  if (got == MAP_FAILED) {
    /* MAP_FIXED failed before replacing anything (the kernel checks first): the buffer is as it was. */
    return throw_errno(env, "cannot map", path, error);
  }
  napi_value offset;
  if (napi_create_int64(env, (int64_t)(mapped_at + in_page - start), &offset) != napi_ok) return NULL;
  return offset;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "map", NAPI_AUTO_LENGTH, map_file, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "map", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "mapInto", NAPI_AUTO_LENGTH, map_into, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "mapInto", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

/*
 * tandem_fs: the two Linux file primitives Node's fs module lacks, for src/block/.
 *
 *   fallocate(2) with FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE: "Deallocates space
 *   (i.e., creates a hole) in the byte range ... Within the specified range, partial
 *   filesystem blocks are zeroed, and whole filesystem blocks are removed from the
 *   file. After a successful call, subsequent reads from this range will return zeros."
 *   lseek(2) SEEK_DATA / SEEK_HOLE: "ENXIO ... offset is beyond the end of the file"
 *   or, for SEEK_DATA, there is no data at or after offset; we return -1 then.
 *
 *   fallocate(2) mode 0 (used for thick volumes): "allocates the disk space within the
 *   range specified by offset and len" without writing zeros (unwritten extents).
 *
 * Exports (offsets and lengths are JS numbers, exact up to 2^53):
 *   punchHole(fd, offset, length) -> Promise<void>     (libuv thread pool)
 *   allocate(fd, offset, length)  -> Promise<void>     (fallocate mode 0; may grow the file)
 *   seekData(fd, offset)          -> Promise<number>   (-1 at ENXIO)
 *   seekHole(fd, offset)          -> Promise<number>   (-1 at ENXIO)
 *   punchHoleSync / allocateSync / seekDataSync / seekHoleSync: the same, on the calling thread.
 *   tryLockExclusive(fd)          -> boolean           (flock(2) LOCK_EX | LOCK_NB, on the calling thread)
 *
 *   flock(2): "Apply or remove an advisory lock on the open file specified by fd ...
 *   LOCK_EX Place an exclusive lock. Only one process may hold an exclusive lock for a
 *   given file at a given time ... LOCK_NB: A call to flock() may block if an
 *   incompatible lock is held by another process. To make a nonblocking request, include
 *   LOCK_NB"; "EWOULDBLOCK The file is locked and the LOCK_NB flag was selected". The
 *   lock belongs to the open file description and goes when every descriptor of it is
 *   closed, so the kernel drops it when the holder dies, by SIGKILL or a reboot. It is
 *   the data directory lock of src/block/data-dir-lock.ts (docs/processes.md "Starting
 *   twice"); true = locked by us, false = held by another open file description.
 *
 * Why async: punching a hole frees extents and journals metadata; on a busy ext4/xfs
 * volume it can wait for a journal commit (milliseconds or more), and SEEK_DATA may read
 * a cold extent tree from disk. The event loop carries every iSCSI connection, so these
 * run on the thread pool like every other fs call. Failures reject with an Error whose
 * `code` is the errno name (e.g. "EOPNOTSUPP") and whose `errno` is the number.
 *
 * Only <node_api.h> and libc: no npm dependencies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <linux/falloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <node_api.h>

#define OP_PUNCH 1
#define OP_SEEK_DATA 2
#define OP_SEEK_HOLE 3
#define OP_ALLOCATE 4

typedef struct {
  int op;
  int fd;
  int64_t a;
  int64_t b;
  int64_t result;
  int err;
  napi_deferred deferred;
  napi_async_work work;
} fs_req;

/* Runs the operation; sets req->result (or req->err to an errno). No JS here. */
static void run_op(fs_req *req) {
  req->err = 0;
  req->result = 0;
  if (req->op == OP_PUNCH || req->op == OP_ALLOCATE) {
    int mode = req->op == OP_PUNCH ? (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) : 0;
    int rc;
    do {
      rc = fallocate(req->fd, mode, (off_t)req->a, (off_t)req->b);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) req->err = errno;
    return;
  }
  off_t r = lseek(req->fd, (off_t)req->a, req->op == OP_SEEK_DATA ? SEEK_DATA : SEEK_HOLE);
  if (r < 0) {
    if (errno == ENXIO) req->result = -1;
    else req->err = errno;
    return;
  }
  req->result = (int64_t)r;
}

static const char *errno_name(int e) {
  switch (e) {
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case ENOSPC: return "ENOSPC";
    case ENODEV: return "ENODEV";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPERM: return "EPERM";
    case ESPIPE: return "ESPIPE";
    case EFBIG: return "EFBIG";
    case ETXTBSY: return "ETXTBSY";
    case EROFS: return "EROFS";
    case EACCES: return "EACCES";
    case ENOSYS: return "ENOSYS";
    case ECANCELED: return "ECANCELED";
    case EAGAIN: return "EAGAIN";
    case ENOLCK: return "ENOLCK";
    case EINTR: return "EINTR";
    default: return "EUNKNOWN";
  }
}

static napi_value make_error(napi_env env, const char *syscall, int e) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, strerror(e), errno_name(e));
  napi_value code, message, error, num;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, -e, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_value sc;
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, error, "syscall", sc);
  return error;
}

static const char *op_syscall(int op) {
  return op == OP_PUNCH || op == OP_ALLOCATE ? "fallocate" : "lseek";
}

static napi_value result_value(napi_env env, fs_req *req) {
  napi_value v;
  if (req->op == OP_PUNCH || req->op == OP_ALLOCATE) napi_get_undefined(env, &v);
  else napi_create_int64(env, req->result, &v);
  return v;
}

/* Parses (fd, a[, b]) into req; throws a TypeError/RangeError and returns 0 on bad input. */
static int parse_args(napi_env env, napi_callback_info info, fs_req *req) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  int ranged = req->op == OP_PUNCH || req->op == OP_ALLOCATE;
  size_t want = ranged ? 3 : 2;
  if (argc < want) {
    napi_throw_type_error(env, NULL, ranged ? "expected (fd, offset, length)" : "expected (fd, offset)");
    return 0;
  }
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return 0;
  }
  req->fd = fd;
  int64_t vals[2] = {0, 0};
  for (size_t i = 1; i < want; i++) {
    double d;
    if (napi_get_value_double(env, argv[i], &d) != napi_ok) {
      napi_throw_type_error(env, NULL, "offset and length must be numbers");
      return 0;
    }
    if (!(d >= 0 && d <= 9007199254740991.0) || d != (double)(int64_t)d) {
      napi_throw_range_error(env, NULL, "offset and length must be non-negative safe integers");
      return 0;
    }
    vals[i - 1] = (int64_t)d;
  }
  req->a = vals[0];
  req->b = vals[1];
  if (ranged && req->b == 0) {
    /* fallocate rejects len 0 with EINVAL; an empty range is a no-op. */
    req->op = 0;
  }
  return 1;
}

static napi_value call_sync(napi_env env, napi_callback_info info, int op) {
  fs_req req;
  memset(&req, 0, sizeof req);
  req.op = op;
  if (!parse_args(env, info, &req)) return NULL;
  if (req.op == 0) {
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  }
  run_op(&req);
  if (req.err != 0) {
    napi_throw(env, make_error(env, op_syscall(op), req.err));
    return NULL;
  }
  return result_value(env, &req);
}

static void execute_cb(napi_env env, void *data) {
  (void)env;
  fs_req *req = (fs_req *)data;
  if (req->op != 0) run_op(req);
}

static void complete_cb(napi_env env, napi_status status, void *data) {
  fs_req *req = (fs_req *)data;
  if (status != napi_ok) req->err = ECANCELED;
  if (req->err != 0) {
    napi_reject_deferred(env, req->deferred, make_error(env, op_syscall(req->op), req->err));
  } else if (req->op == 0) {
    napi_value u;
    napi_get_undefined(env, &u);
    napi_resolve_deferred(env, req->deferred, u);
  } else {
    napi_resolve_deferred(env, req->deferred, result_value(env, req));
  }
  napi_delete_async_work(env, req->work);
  free(req);
}

static napi_value call_async(napi_env env, napi_callback_info info, int op) {
  fs_req *req = (fs_req *)calloc(1, sizeof(fs_req));
  if (req == NULL) {
    napi_throw_error(env, "ENOMEM", "tandem_fs: out of memory");
    return NULL;
  }
  req->op = op;
  if (!parse_args(env, info, req)) {
    free(req);
    return NULL;
  }
  napi_value promise, name;
  if (napi_create_promise(env, &req->deferred, &promise) != napi_ok) {
    free(req);
    return NULL;
  }
  napi_create_string_utf8(env, op == OP_PUNCH || op == OP_ALLOCATE ? "tandem_fs.fallocate" : "tandem_fs.seek", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute_cb, complete_cb, req, &req->work) != napi_ok ||
      napi_queue_async_work(env, req->work) != napi_ok) {
    /* The promise was created; settle it so no caller hangs. */
    napi_reject_deferred(env, req->deferred, make_error(env, "napi_queue_async_work", EAGAIN));
    free(req);
    return promise;
  }
  return promise;
}

static napi_value punch_hole(napi_env env, napi_callback_info info) { return call_async(env, info, OP_PUNCH); }
static napi_value allocate(napi_env env, napi_callback_info info) { return call_async(env, info, OP_ALLOCATE); }
static napi_value allocate_sync(napi_env env, napi_callback_info info) { return call_sync(env, info, OP_ALLOCATE); }
static napi_value seek_data(napi_env env, napi_callback_info info) { return call_async(env, info, OP_SEEK_DATA); }
static napi_value seek_hole(napi_env env, napi_callback_info info) { return call_async(env, info, OP_SEEK_HOLE); }
static napi_value punch_hole_sync(napi_env env, napi_callback_info info) { return call_sync(env, info, OP_PUNCH); }
static napi_value seek_data_sync(napi_env env, napi_callback_info info) { return call_sync(env, info, OP_SEEK_DATA); }
static napi_value seek_hole_sync(napi_env env, napi_callback_info info) { return call_sync(env, info, OP_SEEK_HOLE); }

/* tryLockExclusive(fd): flock(fd, LOCK_EX | LOCK_NB); true when locked, false when another holds it. */
static napi_value try_lock_exclusive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "expected (fd), a non-negative integer");
    return NULL;
  }
  int rc;
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno != EWOULDBLOCK) {
    napi_throw(env, make_error(env, "flock", errno));
    return NULL;
  }
  napi_value v;
  napi_get_boolean(env, rc == 0, &v);
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"punchHole", NULL, punch_hole, NULL, NULL, NULL, napi_enumerable, NULL},
    {"allocate", NULL, allocate, NULL, NULL, NULL, napi_enumerable, NULL},
    {"allocateSync", NULL, allocate_sync, NULL, NULL, NULL, napi_enumerable, NULL},
    {"seekData", NULL, seek_data, NULL, NULL, NULL, napi_enumerable, NULL},
    {"seekHole", NULL, seek_hole, NULL, NULL, NULL, napi_enumerable, NULL},
    {"punchHoleSync", NULL, punch_hole_sync, NULL, NULL, NULL, napi_enumerable, NULL},
    {"seekDataSync", NULL, seek_data_sync, NULL, NULL, NULL, napi_enumerable, NULL},
    {"seekHoleSync", NULL, seek_hole_sync, NULL, NULL, NULL, napi_enumerable, NULL},
    {"tryLockExclusive", NULL, try_lock_exclusive, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

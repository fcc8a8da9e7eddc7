# The tandem_fs N-API addon (native/tandem_fs.c): fallocate punch-hole and
# lseek SEEK_DATA/SEEK_HOLE for src/block/file-device.ts. Built by `node-gyp rebuild`
# into build/Release/tandem_fs.node; src/block/native.ts loads it and falls back when absent.
{
  "targets": [
    {
      "target_name": "tandem_fs",
      "sources": ["native/tandem_fs.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}

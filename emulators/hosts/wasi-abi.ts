// The WASI `wasi_snapshot_preview1` ABI as the WASI host uses it: every function's Wasm signature,
// and the errno values, flags and struct layouts, as wasi-libc's `wasi/api.h` declares them (the
// witx definitions of preview1). Pointers and sizes are i32; file sizes, offsets, timestamps, rights
// and directory cookies are i64; every function but `proc_exit` returns an errno.
import type { FuncType, ValType } from "../../src/wasm/ir.js";

export const WASI_MODULE = "wasi_snapshot_preview1";
/** A WASI command's entry point. */
export const WASI_START = "_start";

/** Parameter types, one letter each: `i` i32, `I` i64. */
const SIGNATURES = {
  args_get: "ii",
  args_sizes_get: "ii",
  environ_get: "ii",
  environ_sizes_get: "ii",
  clock_res_get: "ii",
  clock_time_get: "iIi",
  fd_advise: "iIIi",
  fd_allocate: "iII",
  fd_close: "i",
  fd_datasync: "i",
  fd_fdstat_get: "ii",
  fd_fdstat_set_flags: "ii",
  fd_fdstat_set_rights: "iII",
  fd_filestat_get: "ii",
  fd_filestat_set_size: "iI",
  fd_filestat_set_times: "iIIi",
  fd_pread: "iiiIi",
  fd_prestat_get: "ii",
  fd_prestat_dir_name: "iii",
  fd_pwrite: "iiiIi",
  fd_read: "iiii",
  fd_readdir: "iiiIi",
  fd_renumber: "ii",
  fd_seek: "iIii",
  fd_sync: "i",
  fd_tell: "ii",
  fd_write: "iiii",
  path_create_directory: "iii",
  path_filestat_get: "iiiii",
  path_filestat_set_times: "iiiiIIi",
  path_link: "iiiiiii",
  path_open: "iiiiiIIii",
  path_readlink: "iiiiii",
  path_remove_directory: "iii",
  path_rename: "iiiiii",
  path_symlink: "iiiii",
  path_unlink_file: "iii",
  poll_oneoff: "iiii",
  proc_exit: "i",
  proc_raise: "i",
  sched_yield: "",
  random_get: "ii",
  sock_accept: "iii",
  sock_recv: "iiiiii",
  sock_send: "iiiii",
  sock_shutdown: "ii",
} as const;

export type WasiFunctionName = keyof typeof SIGNATURES;

export function isWasiFunction(name: string): name is WasiFunctionName {
  return Object.hasOwn(SIGNATURES, name);
}

/** The Wasm type of a preview1 function. */
export function wasiFunctionType(name: WasiFunctionName): FuncType {
  const params = [...SIGNATURES[name]].map((letter): ValType => (letter === "I" ? "i64" : "i32"));
  return { params, results: name === "proc_exit" ? [] : ["i32"] };
}

/** The errno values the host returns (`__WASI_ERRNO_*`). */
export const ERRNO = {
  SUCCESS: 0,
  ACCES: 2,
  BADF: 8,
  FAULT: 21,
  ILSEQ: 25,
  INVAL: 28,
  ISDIR: 31,
  LOOP: 32,
  NAMETOOLONG: 37,
  NOENT: 44,
  NOSYS: 52,
  NOTDIR: 54,
  OVERFLOW: 61,
  SPIPE: 70,
  NOTCAPABLE: 76,
} as const;

/** `__WASI_FILETYPE_*`. */
export const FILETYPE = {
  UNKNOWN: 0,
  CHARACTER_DEVICE: 2,
  DIRECTORY: 3,
  REGULAR_FILE: 4,
  SYMBOLIC_LINK: 7,
} as const;

export const CLOCK_IDS = 4; // realtime, monotonic, process CPU time, thread CPU time
export const CLOCK_REALTIME = 0;

export const WHENCE = { SET: 0, CUR: 1, END: 2 } as const;

/** `__WASI_FDFLAGS_*`: append, dsync, nonblock, rsync, sync. */
export const FDFLAGS_ALL = 0x1f;
export const LOOKUP_SYMLINK_FOLLOW = 1;
export const OFLAGS = { CREAT: 1, DIRECTORY: 2, TRUNC: 8 } as const;

/** `__WASI_RIGHTS_*` by bit number. */
const RIGHT_BITS = {
  FD_DATASYNC: 0,
  FD_READ: 1,
  FD_SEEK: 2,
  FD_FDSTAT_SET_FLAGS: 3,
  FD_SYNC: 4,
  FD_TELL: 5,
  FD_WRITE: 6,
  FD_ADVISE: 7,
  FD_ALLOCATE: 8,
  PATH_CREATE_DIRECTORY: 9,
  PATH_CREATE_FILE: 10,
  PATH_LINK_SOURCE: 11,
  PATH_LINK_TARGET: 12,
  PATH_OPEN: 13,
  FD_READDIR: 14,
  PATH_READLINK: 15,
  PATH_RENAME_SOURCE: 16,
  PATH_RENAME_TARGET: 17,
  PATH_FILESTAT_GET: 18,
  PATH_FILESTAT_SET_SIZE: 19,
  PATH_FILESTAT_SET_TIMES: 20,
  FD_FILESTAT_GET: 21,
  FD_FILESTAT_SET_SIZE: 22,
  FD_FILESTAT_SET_TIMES: 23,
  PATH_SYMLINK: 24,
  PATH_REMOVE_DIRECTORY: 25,
  PATH_UNLINK_FILE: 26,
  POLL_FD_READWRITE: 27,
  SOCK_SHUTDOWN: 28,
  SOCK_ACCEPT: 29,
} as const;

function rights(...names: (keyof typeof RIGHT_BITS)[]): bigint {
  return names.reduce((set, name) => set | (1n << BigInt(RIGHT_BITS[name])), 0n);
}

/** Every right that changes a file or a folder: none is ever granted. */
export const WRITE_RIGHTS = rights(
  "FD_DATASYNC",
  "FD_SYNC",
  "FD_WRITE",
  "FD_ALLOCATE",
  "PATH_CREATE_DIRECTORY",
  "PATH_CREATE_FILE",
  "PATH_LINK_SOURCE",
  "PATH_LINK_TARGET",
  "PATH_RENAME_SOURCE",
  "PATH_RENAME_TARGET",
  "PATH_FILESTAT_SET_SIZE",
  "PATH_FILESTAT_SET_TIMES",
  "FD_FILESTAT_SET_SIZE",
  "FD_FILESTAT_SET_TIMES",
  "PATH_SYMLINK",
  "PATH_REMOVE_DIRECTORY",
  "PATH_UNLINK_FILE",
);

/** The rights `fd_fdstat_get` reports, by kind of descriptor (fixed, whatever `path_open` asked for). */
export const RIGHTS = {
  file: rights("FD_READ", "FD_SEEK", "FD_TELL", "FD_FDSTAT_SET_FLAGS", "FD_FILESTAT_GET", "FD_ADVISE"),
  directory: rights(
    "FD_FDSTAT_SET_FLAGS",
    "PATH_OPEN",
    "FD_READDIR",
    "PATH_READLINK",
    "PATH_FILESTAT_GET",
    "FD_FILESTAT_GET",
  ),
  stdin: rights("FD_READ", "FD_FDSTAT_SET_FLAGS", "FD_FILESTAT_GET", "POLL_FD_READWRITE"),
  output: rights("FD_WRITE", "FD_FDSTAT_SET_FLAGS", "FD_FILESTAT_GET", "POLL_FD_READWRITE"),
} as const;

/** What a folder passes on to what is opened in it: everything a file or folder may hold. */
export const DIRECTORY_INHERITING = RIGHTS.file | RIGHTS.directory;

/** Struct sizes (bytes). */
export const DIRENT_BYTES = 24;
export const FILESTAT_BYTES = 64;
export const FDSTAT_BYTES = 24;
export const IOVEC_BYTES = 8;

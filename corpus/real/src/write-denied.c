/* For the WASI host's tests: tries to create and write a file where a deterministic host must refuse
 * (its preopened directories are read-only). Reports the errno it got and exits with
 * EXIT_WRITE_REFUSED (4); if the write goes through, it says so, removes the file and exits 0.
 *   argv: write-denied [PATH]      default /data/written-by-write-denied.txt (the sidecar preopens
 *                                  data/ as /data); a path outside every preopen is refused by
 *                                  wasi-libc itself, with ENOTCAPABLE */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum { EXIT_WRITE_REFUSED = 4 };

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/data/written-by-write-denied.txt";
  static const char message[] = "this file should not exist\n";
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("open(\"%s\", O_WRONLY | O_CREAT) refused: errno %d (%s)\n", path, errno, strerror(errno));
    return EXIT_WRITE_REFUSED;
  }
  ssize_t written = write(fd, message, sizeof message - 1);
  int write_errno = errno;
  close(fd);
  if (written < 0) {
    printf("open(\"%s\") succeeded but write refused: errno %d (%s)\n", path, write_errno, strerror(write_errno));
    return EXIT_WRITE_REFUSED;
  }
  printf("wrote %zd bytes to %s: this host allows writes; removing the file again\n", written, path);
  unlink(path);
  return 0;
}

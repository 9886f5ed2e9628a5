/* For the WASI host's tests: writes a line to stdout and one to stderr, then ends with exit(3), which
 * flushes both and calls proc_exit(3). The host must report exit code 3 and both lines.
 *   argv: proc-exit [CODE]      the exit code (default 3) */
#include "common.h"

int main(int argc, char **argv) {
  int code = (int)arg_long(argc, argv, 1, 3, 0, 255);
  printf("about to exit with code %d\n", code);
  fprintf(stderr, "this line goes to stderr\n");
  exit(code);
}

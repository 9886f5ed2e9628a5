/* For the WASI host's tests: reads the realtime and the monotonic clock (clock_gettime), does a little
 * work, reads both again, and prints the four readings and both differences. A deterministic host
 * makes every number the same on every run; under a real clock they change. Exits 1 if the monotonic
 * clock went backwards.
 *   argv: clocks [WORK]      iterations of busy work between the readings (default 100000) */
#include <time.h>

#include "common.h"

static long long nanoseconds(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(int argc, char **argv) {
  long work = arg_long(argc, argv, 1, 100000, 0, 1000000000);
  struct timespec real[2], mono[2];
  volatile uint32_t sink = 0;
  for (int reading = 0; reading < 2; reading++) {
    if (clock_gettime(CLOCK_REALTIME, &real[reading]) != 0 || clock_gettime(CLOCK_MONOTONIC, &mono[reading]) != 0) {
      printf("clock_gettime failed\n");
      return EXIT_SELF_CHECK_FAILED;
    }
    for (long i = 0; reading == 0 && i < work; i++) sink += (uint32_t)i * 2654435761u;
  }
  for (int reading = 0; reading < 2; reading++) {
    printf("reading %d: realtime %lld.%09ld s, monotonic %lld.%09ld s\n", reading + 1, (long long)real[reading].tv_sec,
           real[reading].tv_nsec, (long long)mono[reading].tv_sec, mono[reading].tv_nsec);
  }
  long long real_delta = nanoseconds(real[1]) - nanoseconds(real[0]);
  long long mono_delta = nanoseconds(mono[1]) - nanoseconds(mono[0]);
  printf("differences: realtime %lld ns, monotonic %lld ns\n", real_delta, mono_delta);
  return mono_delta >= 0 ? 0 : EXIT_SELF_CHECK_FAILED;
}

/* For the WASI host's tests: lists a preopened directory (opendir/readdir, sorted with qsort), then
 * reads one file from it with stdio, and prints its size (fstat and fseek/ftell must agree with the
 * bytes read), its line count, its CRC-32 and its first line. A failure prints errno and exits 1.
 *   argv: read-file [PATH]      default /data/text.txt (the sidecar preopens data/ as /data) */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int failed(const char *what, const char *path) {
  printf("%s %s: errno %d (%s)\n", what, path, errno, strerror(errno));
  return EXIT_SELF_CHECK_FAILED;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/data/text.txt";
  char folder[256];
  snprintf(folder, sizeof folder, "%s", path);
  char *slash = strrchr(folder, '/');
  if (slash == NULL) snprintf(folder, sizeof folder, ".");
  else if (slash == folder) slash[1] = '\0';
  else *slash = '\0';

  DIR *dir = opendir(folder);
  if (dir == NULL) return failed("opendir", folder);
  char *names[64];
  size_t count = 0;
  for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0 && count < 64) names[count++] = strdup(entry->d_name);
  }
  closedir(dir);
  qsort(names, count, sizeof names[0], by_name);
  printf("%s holds %zu entries:", folder, count);
  for (size_t i = 0; i < count; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");

  FILE *file = fopen(path, "rb");
  if (file == NULL) return failed("fopen", path);
  struct stat info;
  if (fstat(fileno(file), &info) != 0) return failed("fstat", path);
  if (fseek(file, 0, SEEK_END) != 0) return failed("fseek", path);
  long end = ftell(file);
  rewind(file);

  unsigned char buffer[1024];
  uint32_t crc = 0;
  size_t total = 0, lines = 0, got;
  char first_line[81] = "";
  while ((got = fread(buffer, 1, sizeof buffer, file)) > 0) {
    if (total == 0) {
      size_t n = strcspn((const char *)buffer, "\n");
      snprintf(first_line, sizeof first_line, "%.*s", (int)(n < got ? n : got), (const char *)buffer);
    }
    for (size_t i = 0; i < got; i++) lines += buffer[i] == '\n';
    crc = crc32_update(crc, buffer, got);
    total += got;
  }
  if (ferror(file)) return failed("fread", path);
  fclose(file);

  int sizes_agree = (long long)info.st_size == (long long)total && end == (long)total;
  printf("%s: %zu bytes (stat %lld, ftell %ld), %zu lines, crc32 %08x\n", path, total, (long long)info.st_size, end, lines, crc);
  printf("first line: %s\n", first_line);
  return sizes_agree ? 0 : EXIT_SELF_CHECK_FAILED;
}

/* Architecture ids shared with emulators/native/bindings.ts (ARCH there). */
#ifndef SAMESTACK_ARCH_H
#define SAMESTACK_ARCH_H

enum { ARCH_X64 = 0, ARCH_AARCH64 = 1 };

#endif

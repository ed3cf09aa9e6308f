/* memtrim.h - give back what start-up used once the relay runs. */
#ifndef PR_MEMTRIM_H
#define PR_MEMTRIM_H

/* Unmap the clean, read-only pages of the program and its libraries from
 * this process (they stay in the page cache and fault back in on use) and
 * return free heap to the kernel. Needs only madvise(2): call it confined. */
void memtrim_startup(void);

#endif

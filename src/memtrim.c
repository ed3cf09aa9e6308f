/* memtrim.c - after start-up, drop the pages only start-up needed.
 *
 * Why: the runner stays alive as long as its plugin, usually for weeks, and
 * an operator runs one per plugin. Start-up runs code the relay never runs
 * again (policy parsing, the filter builder, the sandbox builders), and
 * on every fault the kernel maps up to 16 neighbouring page-cache pages
 * ("fault-around"), so by the first message about 1.5 MiB of libc and our
 * own text sit in the process's RSS. Those pages are clean and file-backed:
 * MADV_DONTNEED only removes them from our page tables, the page cache keeps
 * them, and what the relay does touch comes back with a minor fault. Idle
 * RSS then reflects the relay's working set (bench/: about 2.4 -> 1.6 MiB).
 *
 * Must not: touch a writable segment (relocated data and RELRO are private
 * dirty pages: discarding them would lose the relocations), an object with
 * text relocations (its text is dirty too), or the vDSO (a special mapping).
 * Called by relay.c once, at its first idle moment after the handshake
 * (before it, the handshake would fault the pages back in on the start-up
 * path), when the runner is long confined. */
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "memtrim.h"

static int has_textrel(const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_DYNAMIC)
			continue;
		const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		for (; d->d_tag != DT_NULL; d++)
			if (d->d_tag == DT_TEXTREL ||
			    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
				return 1;
	}
	return 0;
}

static int drop_text(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t page = (uintptr_t)*(long *)arg;

	(void)size;
	if (info->dlpi_name && strncmp(info->dlpi_name, "linux-vdso", 10) == 0)
		return 0;
	if (has_textrel(info))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t end = start + ph->p_memsz;
		/* Only whole pages of this segment: a page it shares with a
		 * writable neighbour is left alone. */
		start = (start + page - 1) & ~(page - 1);
		end &= ~(page - 1);
		/* A failure only leaves the pages mapped: nothing to report. */
		if (end > start)
			madvise((void *)start, end - start, MADV_DONTNEED);
	}
	return 0;
}

void memtrim_startup(void)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		return;
	malloc_trim(0);
	dl_iterate_phdr(drop_text, &page);
}

/* shim.h - write a per-plugin shim script for today's lightningd. */
#ifndef PR_SHIM_H
#define PR_SHIM_H

int shim_write(const char *plugin, const char *dir);

#endif

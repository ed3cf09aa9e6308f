#!/bin/sh
# 01-source.t - the source rules of STYLE.md that a grep can hold:
# no unbounded string functions and no stdout writers in src/ (stdout is the
# protocol: only relay.c writes fd 1, through write(2)); the pure modules
# stay pure (framer.c and canon.c use no jansson); the runtime modules
# never include the privileged setup headers; every .c opens with its
# contract comment. And of the built runner: it does not link libgcc's CPU
# probe, whose CPUID instructions each trap to the hypervisor in a VM
# (jsbound.c reads glibc's record of the CPU instead, where glibc has it).
cd "$(dirname "$0")/../.." || exit 1
n=0
fails=0
check() {	# check NAME OUTPUT: ok when OUTPUT is empty
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/# /'
		fails=$((fails + 1))
	fi
}
check "no sprintf/strcpy/strcat/gets/system/popen in src/" \
	"$(grep -nE '(^|[^a-z_])(sprintf|strcpy|strcat|gets|system|popen)\(' src/*.c)"
check "no printf/puts/putchar (stdout is the protocol) in src/" \
	"$(grep -nE '(^|[^a-z_])(printf|puts|putchar|fputs)\(' src/*.c)"
check "framer.c and canon.c are pure: no jansson" \
	"$(grep -n 'jansson.h' src/framer.c src/canon.c include/framer.h include/canon.h)"
check "relay, gate and rpc proxy never include the setup headers" \
	"$(grep -nE '#include "(privs|sandbox|landlock|seccomp_filter|reaper)\.h"' src/relay.c src/gate.c src/rpcproxy.c)"
missing=""
for f in src/*.c; do
	head -1 "$f" | grep -q '^/\* ' || missing="$missing $f"
done
check "every src/*.c starts with its contract comment" "$missing"
if [ -n "${PR_BIN:-}" ] && command -v nm >/dev/null &&
	echo '#include <sys/platform/x86.h>' | ${CC:-cc} -E - >/dev/null 2>&1; then
	check "the runner does not link libgcc's CPU probe (__cpu_indicator_init)" \
		"$(nm "$PR_BIN" | grep -w __cpu_indicator_init)"
else
	n=$((n + 1))
	echo "ok $n # skip no PR_BIN, nm, or glibc's <sys/platform/x86.h>"
fi
echo "1..$n"
[ "$fails" = 0 ]

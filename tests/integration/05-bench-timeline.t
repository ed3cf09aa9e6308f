#!/bin/sh
# 05-bench-timeline.t - bench/profile's start-up phases are cut where they
# happen, and their medians are medians. bench/startup-timeline.awk reads
# a `perf trace` of one start-up;
# tests/bench/startup-trace.txt is a real one (this VM, 2026-12-07). perf
# needs root and tracing, so `make check` holds the reading, not the
# tracing. Each case would have caught a way the reading went wrong:
# the plugin's execve missed when perf names it after the runner (the
# phase after the clone came out negative), or a phase printed from a
# timeline with a landmark missing; and in bench/medians.awk, a median taken
# across columns or rows, the mean of the middle two (a figure never
# measured), or a short line read as zeros.
cd "$(dirname "$0")/../.." || exit 1
trace=tests/bench/startup-trace.txt
n=0
fails=0
is() {	# is NAME GOT WANT
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "#   got: '$2'"
		echo "#  want: '$3'"
		fails=$((fails + 1))
	fi
}
phases() { awk -v gmlen=108 -f bench/startup-timeline.awk "$@"; }

# host clone 0.856, runner execve 1.417, its clone 4.521, the plugin's
# execve 8.338, getmanifest to the plugin 8.987, its answer 9.446, to the
# host 9.626 (ms, read off the trace by hand)
want="0.561 3.104 3.817 0.649 0.459 0.180 8.770"
is "phases of a real start-up" "$(phases "$trace")" "$want"
is "every phase is positive" \
	"$(phases "$trace" | awk '{ for (i = 1; i <= NF; i++) if ($i <= 0) print "phase " i ": " $i }')" ""
# perf names a call after the process's name when the call began: the
# plugin's execve shows as the runner's child's before the exec
is "the plugin's exec under the runner's name" \
	"$(sed 's|:23762/23762 execve|plugin-runner/23762 execve|' "$trace" | phases)" "$want"
is "no exec after the clone: nothing printed" \
	"$(grep -v ':23762/23762 execve' "$trace" | phases)" ""
is "no clone with new namespaces: nothing printed" \
	"$(grep -v 'clone_flags: NEW' "$trace" | phases)" ""
is "no answer to the host: nothing printed" \
	"$(grep -v 'plugin-runner/23760 write(fd: 1,' "$trace" | phases)" ""
is "no getmanifest written to the plugin: nothing printed" \
	"$(grep -v 'plugin-runner/23760 write(fd: 9,' "$trace" | phases)" ""
is "an empty trace: nothing printed" "$(phases /dev/null)" ""

medians() { awk -f bench/medians.awk "$@"; }
# the real start-up between a faster and a slower one, column by column
is "medians of three start-ups, each column its own" \
	"$( (echo "0.1 9 0.1 9 0.1 9 0.1"; phases "$trace"; echo "9 0.1 9 0.1 9 0.1 9") | medians)" \
	"$want"
is "an even count: the lower middle value, one that was measured" \
	"$(printf '4 10\n1 40\n3 20\n2 30\n' | medians)" "2.000 20.000"
is "a line with another count of fields, or none, is skipped" \
	"$(printf '5 50\n\n9 90\n1\n2\n1 10 7\n' | medians)" "5.000 50.000"
is "no input: nothing printed" "$(medians /dev/null)" ""
echo "1..$n"
[ $fails = 0 ]

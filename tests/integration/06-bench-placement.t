#!/bin/sh
# 06-bench-placement.t - bench/profile's count of where the scheduler put
# a round trip's three processes. bench/placement.awk reads `perf script
# -F pid,cpu,event,trace` of sched_wakeup and sched_migrate_task;
# tests/bench/placement-sched.txt is a real one (this VM, 2026-12-07: a
# session of 50 round trips under the runner, every CPU traced). perf
# needs root, so `make check` holds the reading, not the recording. Each
# case would catch a way the reading could go wrong: a wake-up from the
# idle task (the IPI another CPU sent) counted as local, a wake-up by a
# task on the same CPU counted as crossing, another process's events
# counted, a migration counted as a wake-up, or the plain relay not
# taken for the wrapper.
cd "$(dirname "$0")/../.." || exit 1
sched=tests/bench/placement-sched.txt
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
# placement ROUND_TRIPS [FILE]: the figures of the line, without the labels
placement() {
	rts=$1
	shift
	awk -v w=runner -v n="$rts" -v rt=98.5 -f bench/placement.awk "$@" |
		grep -Eo '[0-9]+\.[0-9]+' | tr '\n' ' ' | sed 's/ $//'
}
wake() {	# wake WAKER_PID WAKER_CPU COMM TARGET_CPU
	printf '%5d [%03d]       sched:sched_wakeup: comm=%s pid=4242 prio=120 target_cpu=%03d\n' "$@"
}

# In the trace, of the processes of the session: bench-host woken 53
# times, plugin-runner 111 (107 of them by the idle task on the target
# CPU), bench-plugin 53, every one of these from the idle task but four of
# the runner's (waker on the target CPU); one migration, of bench-host.
# Counted again by a separate reading (grep and Python) when the trace was
# taken. Per round trip, over 50:
is "a real session's placement" "$(placement 50 "$sched")" "98.5 1.06 2.14 1.06 0.08 0.02"
is "the label line" "$(awk -v w=runner -v n=50 -v rt=98.5 -f bench/placement.awk "$sched")" \
	"  runner    98.5 us   cross-CPU wake-ups per round trip: host 1.06, wrapper 2.14, plugin 1.06 (local: 0.08); migrations: 0.02"
is "a wake-up by a task on the target CPU is local" \
	"$(wake 100 1 bench-plugin 1 | placement 1)" "98.5 0.00 0.00 0.00 1.00 0.00"
is "a wake-up by a task on another CPU crosses" \
	"$(wake 100 0 bench-plugin 1 | placement 1)" "98.5 0.00 0.00 1.00 0.00 0.00"
is "a wake-up by the idle task on the target CPU crosses (the IPI)" \
	"$(wake 0 1 bench-host 1 | placement 1)" "98.5 1.00 0.00 0.00 0.00 0.00"
is "the plain relay is the wrapper" \
	"$(wake 100 0 bench-relay 1 | placement 1)" "98.5 0.00 1.00 0.00 0.00 0.00"
is "other processes are not counted" \
	"$(grep -v 'comm=bench-\|comm=plugin-runner' "$sched" | placement 1)" "98.5 0.00 0.00 0.00 0.00 0.00"
is "a migration is not a wake-up" \
	"$(grep 'sched_migrate_task: comm=bench-host' "$sched" | placement 1)" "98.5 0.00 0.00 0.00 0.00 1.00"
echo "1..$n"
[ $fails = 0 ]

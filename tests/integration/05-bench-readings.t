#!/bin/sh
# 05-bench-readings.t - how bench/ reads what it measured: bench/run's
# table, and bench/profile's readings of perf's output, held to real
# output taken on this VM (2026-12-07). perf needs root and tracing, so
# `make check` holds the readings, not the recordings. Each case would
# catch a way a reading could go wrong.
#
# The table: bench/table.awk turns bench/run's results into medians,
# ratios and verdicts. Caught: a ratio printed as its mark beside the
# opposite verdict (a round trip at 1.2036 of the relay printed "1.20"
# beside MISSES), a median that is not one, a mark judged in a smoke run,
# a round trip judged (or divided) by a relay that added no time, an
# interval that resamples each wrapper's sessions apart (rounds that moved
# together come out spread) or from too few or unequal rounds.
#
# Start-up: bench/startup-timeline.awk cuts one start-up's `perf trace`
# (tests/bench/startup-trace.txt) into phases. Caught: the plugin's execve
# missed when perf names it after the runner (the phase after the clone
# came out negative), or a phase printed from a timeline with a landmark
# missing. bench/medians.awk takes the phases' medians over nine
# start-ups. Caught: a median taken across a row instead of down a
# column, the mean of the middle two (a figure never measured), or a short
# line read as zeros.
#
# Round trip: bench/placement.awk counts where the scheduler put the three
# processes, from `perf script -F pid,cpu,event,trace` of sched_wakeup and
# sched_migrate_task (tests/bench/placement-sched.txt: a session of 50
# round trips under the runner, every CPU traced). Caught: a wake-up from
# the idle task (the IPI another CPU sent) counted as local, a wake-up by
# a task on the same CPU counted as crossing, another process's events
# counted, a migration counted as a wake-up, or the plain relay not taken
# for the wrapper.
cd "$(dirname "$0")/../.." || exit 1
trace=tests/bench/startup-trace.txt
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
# table RESULTS_LINE...: the table of those results
table() { printf '%s\n' "$@" | awk -v smoke="${SMOKE:-0}" -v largest=50000295 -v boot=1000 -f bench/table.awk; }
row() {	# row NAME_START: the ratio and verdict of the row named so (the
	# name is 34 columns wide, then six figures, the ratio, the mark)
	awk -v r="$1" 'index($0, r) == 1 { split(substr($0, 36), f, " "); print f[7], $NF }'
}
rt="direct rt_us 60
relay rt_us 80"
is "a round trip over its mark by less than 0.005 shows the digit that misses" \
	"$(table "$rt" "runner rt_us 84.072" | row "hook round trip")" "1.204 MISSES"
is "one under its mark keeps two decimals" \
	"$(table "$rt" "runner rt_us 83.9" | row "hook round trip")" "1.20 meets"
is "a lower bound missed by less than 0.005 too" \
	"$(table "relay big_mbps 1000" "runner big_mbps 499.6" | row "rpcmethod")" "0.4996 MISSES"
is "each wrapper's figure is its median" \
	"$(table "$rt" "runner rt_us 99" "runner rt_us 82" "runner rt_us 70" | row "hook round trip")" "1.10 meets"
is "a relay no slower than direct: no ratio, no verdict" \
	"$(table "direct rt_us 60" "relay rt_us 60" "runner rt_us 70" | row "hook round trip")" "- n/a"
is "a relay faster than direct: no ratio, no verdict" \
	"$(table "direct rt_us 60" "relay rt_us 59" "runner rt_us 59" | row "hook round trip")" "- n/a"
# ival NAME: the interval printed on the line after the row named NAME
ival() { awk -v r="$1" 'index($0, r) == 1 { on = 1; next } on { split(substr($0, 36), f, " "); print f[1]; exit }'; }
# rounds I..J of direct, relay and runner round trips: base+10i, +20, +22
rounds() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
	printf "direct rt_us %d\nrelay rt_us %d\nrunner rt_us %d\n", 60 + 10 * i, 80 + 10 * i, 82 + 10 * i }'; }
is "rounds that move together: each resample keeps them together" \
	"$(table "$(rounds 1 8)" | ival "hook round trip")" "1.10..1.10"
is "a throughput's rounds too" \
	"$(table "$(awk 'BEGIN { for (i = 1; i <= 9; i++) printf "relay rpc_mbps %d\nrunner rpc_mbps %d\n", 1000 + 100 * i, 900 + 90 * i }')" | ival "listchannels")" "0.90..0.90"
is "start-up's rounds, against bwrap" \
	"$(table "$(awk 'BEGIN { for (i = 1; i <= 21; i++) printf "bwrap startup_ms %.2f\nrunner startup_ms %.3f\n", 5 + i / 10, 0.85 * (5 + i / 10) }')" | ival "start-up to getmanifest")" "0.85..0.85"
is "the log rate's rounds" \
	"$(table "$(awk 'BEGIN { for (i = 1; i <= 15; i++) printf "relay rate_msgs_s %d\nrunner rate_msgs_s %d\n", 5000000 + 1000 * i, 2500000 + 500 * i }')" | ival "log notifications")" "0.50..0.50"
is "a runner faster than direct: a negative interval still reads as one" \
	"$(table "$(rounds 1 8 | awk '$1 == "runner" { $3 -= 24 } 1')" | ival "hook round trip")" "-0.10..-0.10"
is "the one-CPU line's ratio of added times" \
	"$(table "$rt" "runner rt_us 83" "direct1 rt_us 10" "relay1 rt_us 20" "runner1 rt_us 21" |
		awk 'index($0, "  the same, all on one CPU") == 1 { split(substr($0, 36), f, " "); print f[7] }')" "1.10"
is "the one-CPU line: a relay that adds nothing gives no ratio" \
	"$(table "$rt" "runner rt_us 83" "direct1 rt_us 10" "relay1 rt_us 10" "runner1 rt_us 21" |
		awk 'index($0, "  the same, all on one CPU") == 1 { split(substr($0, 36), f, " "); print f[7] }')" "-"
is "no number of resamples: one line, exit 2" \
	"$(printf 'relay rt_us 80\n' | awk -v smoke=0 -v largest=1 -f bench/table.awk 2>&1; echo "exit $?")" \
	"table.awk: give the number of resamples: -v boot=N
exit 2"
is "fewer than five rounds: no interval" \
	"$(table "$(rounds 1 4)" | ival "hook round trip")" "-"
is "a wrapper short of a session: rounds cannot be drawn whole" \
	"$(table "$(rounds 1 8)" "relay rt_us 85" | ival "hook round trip")" "-"
is "a relay that adds nothing in most resamples: no interval" \
	"$(table "$(rounds 1 7 | sed 's/^relay rt_us .*/relay rt_us 60/; s/^direct rt_us .*/direct rt_us 60/')" \
		"direct rt_us 60" "relay rt_us 80" "runner rt_us 82" | ival "hook round trip")" "-"
# ten rounds of independent noise (runner 83-97, relay 76-88, direct 58-63)
noisy="direct rt_us 60 relay rt_us 80 runner rt_us 90 direct rt_us 58 relay rt_us 84 runner rt_us 83
direct rt_us 63 relay rt_us 76 runner rt_us 97 direct rt_us 61 relay rt_us 88 runner rt_us 86
direct rt_us 59 relay rt_us 79 runner rt_us 92 direct rt_us 62 relay rt_us 83 runner rt_us 88
direct rt_us 60 relay rt_us 86 runner rt_us 84 direct rt_us 61 relay rt_us 78 runner rt_us 95
direct rt_us 58 relay rt_us 81 runner rt_us 89 direct rt_us 63 relay rt_us 87 runner rt_us 91"
noisy=$(printf '%s\n' "$noisy" | xargs -n 3)
is "independent noise: the interval holds the run's ratio and is wider than a point" \
	"$(table "$noisy" | awk 'index($0, "hook round trip") == 1 { split(substr($0, 36), f, " "); r = f[7]; on = 1; next }
		on { split(substr($0, 36), f, " "); split(f[1], b, /\.\./); print (b[1] < r && r < b[2]) ? "inside" : r " outside " f[1]; exit }')" "inside"
is "a smoke run judges no mark" \
	"$(SMOKE=1 table "$rt" "runner rt_us 99" | awk '/^hook round trip/ { print $NF }')" "(smoke)"
echo "1..$n"
[ $fails = 0 ]

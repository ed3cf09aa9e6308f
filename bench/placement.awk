# placement.awk - where the scheduler put a round-trip session's three
# processes, from `perf script -F pid,cpu,event,trace` of the
# sched:sched_wakeup and sched:sched_migrate_task events of the whole
# machine (bench/profile round-trip).
#
#   awk -v w=WRAPPER -v n=ROUND_TRIPS -v rt=US -f bench/placement.awk
#
# Prints one line: the wrapper's name, its round trip in us, and per
# round trip the wake-ups of the host, the wrapper and the plugin that
# crossed CPUs, those that did not, and the migrations of the three.
#
# A line is "WAKER_PID [WAKER_CPU] EVENT: comm=C pid=P prio=N
# target_cpu=T" (migrations: orig_cpu=O dest_cpu=D). A wake-up crossed
# CPUs when the waker ran on another CPU than the one the task is put on,
# or when the waker is the idle task (pid 0): an interrupt on the target
# CPU, which on this VM is the IPI that another CPU sent to wake it.
# Events of other processes (perf, kernel threads) are not counted.
function role(c) {
	if (c == "bench-host") return "host"
	if (c == "bench-plugin") return "plugin"
	if (c == "bench-relay" || c == "plugin-runner") return "wrapper"
	return ""
}
{
	delete f
	for (i = 1; i <= NF; i++)
		if (split($i, kv, "=") == 2)
			f[kv[1]] = kv[2]
	r = role(f["comm"])
	if (r == "")
		next
	if ($0 ~ /sched_migrate_task/) {
		mig[r]++
		next
	}
	cpu = $2
	gsub(/[][]/, "", cpu)
	if ($1 == 0 || cpu + 0 != f["target_cpu"] + 0)
		cross[r]++
	else
		local[r]++
}
END {
	printf "  %-7s %6.1f us   cross-CPU wake-ups per round trip: host %.2f, wrapper %.2f, plugin %.2f (local: %.2f); migrations: %.2f\n",
	       w, rt, cross["host"] / n, cross["wrapper"] / n, cross["plugin"] / n,
	       (local["host"] + local["wrapper"] + local["plugin"]) / n,
	       (mig["host"] + mig["wrapper"] + mig["plugin"]) / n
}

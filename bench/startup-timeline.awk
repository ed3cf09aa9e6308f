# startup-timeline.awk - one start-up's phases, from a `perf trace -e
# execve,clone,clone3,write` of `bench-host startup --runs 1` (bench/profile).
#
# Prints one line of seven figures in ms: host fork -> runner exec -> its
# clone with new namespaces -> the plugin's exec -> the runner's write of
# the getmanifest request to the plugin -> the plugin's answer -> the
# runner's write of it to the host, and the whole. Prints nothing when a
# landmark is missing, so a trace that did not match never gives a phase
# (a negative one once did: see below).
#
# Set gmlen to the bytes of bench-host's getmanifest request (-v gmlen=N).
#
# perf trace lines start with the time in ms and name a call's process as
# COMM/PID, COMM being the name the process had when the call began.
/bench-host\/[0-9]+ clone\(/ && !f { f = $1 + 0 }
/plugin-runner\/[0-9]+ execve\(/ && !re { re = $1 + 0 }
/plugin-runner\/[0-9]+ clone\(clone_flags: NEW/ && !cl { cl = $1 + 0 }
# The plugin execs in a child the runner cloned, and perf may name that
# call after the child's name before the exec (plugin-runner/CHILD
# execve(...)), so the plugin's exec is the first after the clone,
# whatever the name.
/execve\(/ && cl && !pe { pe = $1 + 0 }
$0 ~ "plugin-runner/[0-9]+ write\\(fd: [0-9]+.*count: " gmlen "\\)" && pe && !fw { fw = $1 + 0 }
/bench-plugin\/[0-9]+ write\(fd: 1[,<]/ && !pw { pw = $1 + 0 }
/plugin-runner\/[0-9]+ write\(fd: 1[,<]/ && pw && !hw { hw = $1 + 0 }
END {
	if (f && re && cl && pe && fw && pw && hw)
		printf "%.3f %.3f %.3f %.3f %.3f %.3f %.3f\n",
		       re - f, cl - re, pe - cl, fw - pe, pw - fw, hw - pw, hw - f
}

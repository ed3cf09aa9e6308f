# table.awk - bench/run's table: medians per wrapper, ratios, marks and
# verdicts, from bench/run's results.
#
#   awk -v smoke=0|1 -v largest=BYTES -v boot=N -f bench/table.awk RESULTS
#
# RESULTS has one "<wrapper> <key> <value>" line per measurement (bench-host's
# "key value" lines, each prefixed with the wrapper that ran). largest is the
# biggest message of the sessions (the peak-memory mark is twice that), boot
# the resamples each interval draws (bench/run's BOOT, which its footnote
# names too).
# smoke=1 judges no mark (sizes too small to mean anything).
#
# A ratio is printed with two decimals, or with more where two would round
# it onto its mark while the verdict goes the other way: a round trip at
# 1.2036 of the relay misses "<= 1.2" and is printed 1.204, not a "1.20"
# beside MISSES.

# x as text: two decimals, or as many more (up to six) as it takes not to
# print the mark itself beside a miss (ok: the verdict, decided by the
# caller, so a ratio at its mark can only read as met).
function ratio_txt(x, mark, ok,    d, t) {
	for (d = 2; d <= 6; d++) {
		t = sprintf("%." d "f", x)
		if (ok || t + 0 != mark)
			break
	}
	return t
}
# Sorts a[1..n] in place (insertion: n is a run's sessions, or BOOT).
function sort_arr(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
}
# The median of a[1..n] (which it sorts): the mean of the middle two for an
# even n.
function median_arr(a, n) {
	sort_arr(a, n)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function median(w, k,    n, i, a) {
	n = cnt[w, k]
	if (n == 0) return ""
	for (i = 1; i <= n; i++) a[i] = val[w, k, i]
	return median_arr(a, n)
}
# How far one run's ratio is from what it estimates: the 5th to 95th
# percentile of the ratio over BOOT resamples of the run's rounds. A round
# is the i-th session of every wrapper, run one after the other, so a
# resample draws whole rounds and keeps what a spell of the machine did to
# all of them together. The ratio is runner/den, or with base (direct)
# the added times (runner - base)/(den - base). "-" with fewer than 5
# rounds, wrappers with unequal counts (one broke), or a denominator that
# is nothing in more than a tenth of the resamples.
function interval(k, den, base,    n, b, i, j, m, xr, xd, xb, mr, md, mb, ratios) {
	n = cnt["runner", k]
	if (n < 5 || cnt[den, k] != n || (base != "" && cnt[base, k] != n))
		return "-"
	srand(1)	# the same results print the same interval
	m = 0
	for (b = 1; b <= BOOT; b++) {
		for (i = 1; i <= n; i++) {
			j = int(rand() * n) + 1
			xr[i] = val["runner", k, j]; xd[i] = val[den, k, j]
			xb[i] = base != "" ? val[base, k, j] : 0
		}
		mr = median_arr(xr, n); md = median_arr(xd, n)
		if (base != "") { mb = median_arr(xb, n); mr -= mb; md -= mb }
		if (md > 0)
			ratios[++m] = mr / md
	}
	if (m < 0.9 * BOOT)
		return "-"
	sort_arr(ratios, m)
	# "..": a ratio may be negative (a runner faster than direct), and
	# "-0.10--0.05" would not read as an interval
	return sprintf("%.2f..%.2f", ratios[int(0.05 * m) + 1], ratios[int(0.95 * m)])
}
# The ratio of added times, (r - d) / (l - d), or "" when a median is
# missing or the relay added nothing: a relay no slower than no relay at
# all says the session measured noise, and a mark judged on it would say
# nothing either way (n/a).
function added(r, l, d) {
	return (r != "" && l != "" && d != "" && l > d) ? (r - d) / (l - d) : ""
}
function f(x, fmt) { return x == "" ? "-" : sprintf(fmt, x) }
function verdict(ok, mark) { return mark == "(reported)" ? "" : smoke ? "(smoke)" : (ok == "" ? "n/a" : (ok ? "meets" : "MISSES")) }
# One line of the table: the name, the six wrappers' columns, the ratio,
# the mark and the verdict.
function line(name, runner, relay, hold, socat, bwrap, direct, ratio, mark, v) {
	printf "%-34s %10s %10s %10s %10s %10s %10s  %-9s %-30s %s\n", name,
		runner, relay, hold, socat, bwrap, direct, ratio, mark, v
}
# A measurement's line: each wrapper's median of key k.
function row(name, k, fmt, ratio, mark, ok) {
	line(name, f(median("runner", k), fmt), f(median("relay", k), fmt),
	     f(median("hold", k), fmt), f(median("socat", k), fmt),
	     f(median("bwrap", k), fmt), f(median("direct", k), fmt),
	     ratio, mark, verdict(ok, mark))
}
# A ratio reported beside the line above it, not judged.
function reported(name, ratio, mark) {
	line(name, "", "", "", "", "", "", ratio, mark, "")
}
# The line under a judged ratio: its interval over resampled rounds.
function spread(k, den, base) {
	reported("  ratio, rounds resampled", interval(k, den, base), "5th-95th percentile (reported)")
}
BEGIN {
	if (boot !~ /^[1-9][0-9]*$/) {
		print "table.awk: give the number of resamples: -v boot=N" > "/dev/stderr"
		bad = 1
		exit 2
	}
	BOOT = boot
}
{ n = ++cnt[$1, $2]; val[$1, $2, n] = $3 + 0 }
END {
	if (bad)
		exit 2
	line("metric", "runner", "relay", "hold", "socat", "bwrap", "direct", "ratio", "mark", "verdict")
	r = median("runner", "startup_ms"); b = median("bwrap", "startup_ms"); d = median("direct", "startup_ms")
	ok = (r != "" && b != "") ? (r <= b) : ""
	row("start-up to getmanifest (ms)", "startup_ms", "%.2f",
		ok != "" ? ratio_txt(r / b, 1.0, ok) : "-", "runner/bwrap <= 1.0", ok)
	spread("startup_ms", "bwrap", "")
	reported("  start-up vs direct", (r != "" && d != "") ? sprintf("%.2f", r / d) : "-",
		 "runner/direct (reported)")

	x = added(median("runner", "rt_us"), median("relay", "rt_us"), median("direct", "rt_us"))
	ok = x != "" ? (x <= 1.2) : ""
	row("hook round trip (us)", "rt_us", "%.1f",
		ok != "" ? ratio_txt(x, 1.2, ok) : "-", "added: runner/relay <= 1.2", ok)
	spread("rt_us", "relay", "direct")
	r = median("runner1", "rt_us"); l = median("relay1", "rt_us"); d = median("direct1", "rt_us")
	line("  the same, all on one CPU (us)", f(r, "%.1f"), f(l, "%.1f"), "-", "-", "-", f(d, "%.1f"),
	     f(added(r, l, d), "%.2f"), "added: runner/relay (reported)", "")

	r = median("runner", "big_mbps"); l = median("relay", "big_mbps")
	ok = (r != "" && l != "") ? (r >= 0.5 * l) : ""
	row("rpcmethod answer plugin->host MB/s", "big_mbps", "%.0f",
		ok != "" ? ratio_txt(r / l, 0.5, ok) : "-", "runner/relay >= 0.5", ok)
	spread("big_mbps", "relay", "")
	h = median("hold", "big_mbps")
	reported("  the same vs store-and-forward", (r != "" && h != "") ? sprintf("%.2f", r / h) : "-",
		 "runner/hold (reported)")
	reported("  store-and-forward vs relay", (h != "" && l != "") ? sprintf("%.2f", h / l) : "-",
		 "hold/relay (reported)")

	r = median("runner", "rpc_mbps"); l = median("relay", "rpc_mbps")
	ok = (r != "" && l != "") ? (r >= 0.8 * l) : ""
	row("listchannels rpc->plugin MB/s", "rpc_mbps", "%.0f",
		ok != "" ? ratio_txt(r / l, 0.8, ok) : "-", "runner/relay >= 0.8", ok)
	spread("rpc_mbps", "relay", "")

	r = median("runner", "rate_msgs_s"); l = median("relay", "rate_msgs_s")
	ok = (r != "" && l != "") ? (r >= 1000000 && r >= 0.25 * l) : ""
	row("log notifications/s", "rate_msgs_s", "%.0f",
		ok != "" ? ratio_txt(r / l, 0.25, ok) : "-", ">= 1e6/s and runner/relay >= .25", ok)
	spread("rate_msgs_s", "relay", "")

	r = median("runner", "idle_rss_kb")
	ok = r != "" ? (r <= 2048) : ""
	row("idle RSS (KiB)", "idle_rss_kb", "%d",
		ok != "" ? ratio_txt(r / 2048, 1, ok) : "-", "<= 2048 KiB", ok)

	row("  idle PSS (KiB)", "idle_pss_kb", "%d", "", "(reported)", "")
	row("  idle private pages (KiB)", "idle_private_kb", "%d", "", "(reported)", "")

	r = median("runner", "peak_hwm_kb"); lim = 2 * largest / 1024
	ok = r != "" ? (r <= lim) : ""
	row("peak VmHWM in transfers (KiB)", "peak_hwm_kb", "%d",
		ok != "" ? ratio_txt(r / lim, 1, ok) : "-", sprintf("<= 2 x largest msg (%d)", lim), ok)
}

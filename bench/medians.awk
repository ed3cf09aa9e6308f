# medians.awk - the median of each column of numbers, over all input lines.
#
#   awk -f bench/medians.awk FILE
#
# Prints one line with the median of each column (%.3f), or nothing when
# there is no input. The first line sets the columns; a line with another
# count of fields, or none, is skipped, not read as zeros. With an even
# count of lines it takes the lower of the two middle values, so the
# figure printed is always one that was measured. Sorted by insertion: the inputs are a few
# dozen lines (bench/profile's start-up phases, nine runs).
NF && (!n || NF == nf) {
	nf = NF
	n++
	for (i = 1; i <= nf; i++)
		v[i, n] = $i + 0
}
function median(c,   a, i, j, t) {
	for (i = 1; i <= n; i++)
		a[i] = v[c, i]
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j > 0 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
	return a[int((n + 1) / 2)]
}
END {
	if (!n)
		exit
	for (c = 1; c <= nf; c++)
		printf "%.3f%s", median(c), c < nf ? " " : "\n"
}

#!/bin/sh
# The man pages are deliverables: they must render without mandoc warnings.
echo "1..2"
n=0
for page in man/plugin-runner.1 man/plugin-runner.policy.5; do
	n=$((n + 1))
	if out=$(mandoc -Tlint -Wwarning "$page" 2>&1) && [ -z "$out" ]; then
		echo "ok $n - $page lints clean"
	else
		echo "not ok $n - $page lints clean"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done

#!/bin/sh
# demo.sh - the README's demo: run tests/plugins/goodplugin.py under
# plugin-runner with the fake lightningd (tests/host/fakehost.py) and show
# one allowed RPC call (getinfo) and one denied (withdraw).
# Builds nothing itself: `make demo` builds first. Needs only python3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
bin=${PR_BIN:-$top/build/plugin-runner}
if [ ! -x "$bin" ]; then
	echo "demo: $bin not built (run: make demo)" >&2
	exit 1
fi
command -v python3 >/dev/null || { echo "demo: python3 missing (run: make deps)" >&2; exit 1; }

# The plugin and its policy live in a world-readable temp dir: under root
# the sandboxed plugin runs as an unprivileged user and must be able to
# read its own script, wherever this checkout is.
work=$(mktemp -d /tmp/plugin-runner-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
chmod 0755 "$work"
cp "$here/plugins/goodplugin.py" "$work/goodplugin.py"
chmod 0755 "$work/goodplugin.py"
ro=""
for d in /usr /lib /lib64 /lib32 /bin /sbin /etc; do
	[ -e "$d" ] && ro="$ro\"$d\", "
done
cat >"$work/goodplugin.json" <<JSON
{
  "plugin-runner": 1,
  "manifest": {
    "rpcmethods": ["hello", "callrpc"],
    "subscriptions": ["connect", "disconnect", "shutdown"],
    "options": ["good-*"],
    "notifications": ["good_event"],
    "on_violation": "strip"
  },
  "rpc": { "allow": ["getinfo"] },
  "sandbox": {
    "network": "none",
    "filesystem": { "read_only": [$ro"$work"] }
  },
  "env": { "keep": ["PATH", "LANG"] }
}
JSON
chmod 0644 "$work/goodplugin.json"

cat <<TXT
== plugin-runner demo ==
A fake lightningd starts:  $bin --policy $work/goodplugin.json $work/goodplugin.py
The policy lets the plugin register hello/callrpc and call only getinfo.

TXT
python3 "$here/host/fakehost.py" --quiet-stderr \
	--call hello '["demo"]' \
	--call callrpc '["getinfo", {}]' \
	--call callrpc '["withdraw", {"destination": "bcrt1qdemo", "satoshi": "all"}]' \
	-- "$bin" --policy "$work/goodplugin.json" "$work/goodplugin.py" |
python3 -c '
import json, sys
up = False
for line in sys.stdin:
    line = line.rstrip("\n")
    head, sep, body = line.partition(" : ")
    if head.strip() == "exit status":
        print("\nhost closed stdin; runner exited with status %s" % body)
        continue
    if not sep:
        print(line)
        continue
    try:
        j = json.loads(body)
    except ValueError:
        print(line)
        continue
    who = head.strip()
    if who == "host -> plugin":
        up = False
        print("\nhost calls %s %s" % (j.get("method"), json.dumps(j.get("params"))))
    elif who == "plugin -> lightning-rpc":
        up = True
        print("   the host'"'"'s lightning-rpc received: %s" % j.get("method"))
    elif who == "host <- plugin":
        r = j.get("result")
        if j.get("method") == "log":
            print("   [log %s] %s" % (j["params"].get("level"), j["params"].get("message")))
        elif isinstance(r, dict) and "rpcmethods" in r:
            print("manifest: rpcmethods %s" % [m["name"] for m in r["rpcmethods"]])
        elif isinstance(r, dict) and r.get("jsonrpc"):
            if "error" in r:
                print("   DENIED: %s" % r["error"].get("message"))
                if not up:
                    print("   (the host'"'"'s lightning-rpc never saw the call)")
            else:
                res = r.get("result") or {}
                if "id" in res:
                    print("   ALLOWED: node id %s" % res["id"])
                else:
                    print("   ALLOWED: %s" % json.dumps(res)[:200])
        elif isinstance(r, dict) and "message" in r:
            print("   plugin says: %s (its lightning-dir: %s)"
                  % (r["message"], (r.get("configuration") or {}).get("lightning-dir")))
        elif r == {}:
            print("init done")
        else:
            print("   %s" % body[:200])
    elif who == "exit status":
        print("\nhost closed stdin; runner exited with status %s" % body)
    else:
        print(line)
'

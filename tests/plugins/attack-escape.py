#!/usr/bin/python3
# attack-escape.py - a hostile Python plugin (run by /usr/bin/python3 inside
# the sandbox): the subset of attack-escape.c an interpreter plugin would
# try first. One line per attack on stderr:
# "ATTACK <name> blocked|ESCAPED <detail>". Speaks no protocol.
# Arguments: --secret PATH --rpc PATH --tcp PORT --marker TEXT
import os
import socket
import sys

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
marker = args.get("--marker", "PR-SECRET")


def report(name, escaped, detail):
    sys.stderr.write("ATTACK %s %s %s\n" % (name, "ESCAPED" if escaped else "blocked", detail))
    sys.stderr.flush()


def read_secret():
    found, why = False, []
    for path in ("hsm_secret", args["--secret"]):
        try:
            with open(path) as f:
                data = f.read()
            found |= marker in data
            why.append("%s: read %d bytes" % (path, len(data)))
        except OSError as e:
            why.append("%s: %s" % (path, e.strerror))
    report("py-read-secret", found, "; ".join(why))


def connect_rpc():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(args["--rpc"])
        report("py-connect-real-rpc", True, "connected to " + args["--rpc"])
    except OSError as e:
        report("py-connect-real-rpc", False, e.strerror)
    finally:
        s.close()


def tcp():
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:
        report("py-tcp-connect-localhost", False, "socket: " + e.strerror)
        return
    try:
        s.settimeout(5)
        s.connect(("127.0.0.1", int(args["--tcp"])))
        report("py-tcp-connect-localhost", True, "connected")
    except OSError as e:
        report("py-tcp-connect-localhost", False, e.strerror or str(e))
    finally:
        s.close()


def reaper_proc():
    # pid 1 is the runner's reaper, a copy of the runner's memory: its
    # environ and maps must give nothing, its mem must not open. What is
    # read is printed (LEAK lines) for the test to search.
    for name, path in (("py-proc1-environ", "/proc/1/environ"), ("py-proc1-maps", "/proc/1/maps")):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            report(name, False, "%s: %s" % (path, e.strerror))
            continue
        report(name, data.strip(b"\0") != b"", "%s: read %d bytes" % (path, len(data)))
        for chunk in data.replace(b"\0", b"\n").decode("latin-1").splitlines():
            if chunk:
                sys.stderr.write("LEAK %s %s\n" % (name, chunk[:400]))
    try:
        open("/proc/1/mem", "rb").close()
        report("py-proc1-mem", True, "/proc/1/mem opened")
    except OSError as e:
        report("py-proc1-mem", False, "/proc/1/mem: " + e.strerror)


def setuid0():
    try:
        os.setuid(0)
        report("py-setuid-0", True, "setuid(0) succeeded, uid %d" % os.getuid())
    except OSError as e:
        report("py-setuid-0", os.getuid() == 0, e.strerror)


read_secret()
connect_rpc()
tcp()
reaper_proc()
setuid0()
sys.stderr.write("CHECK python-ran ok\n")
sys.stderr.write("ATTACKS DONE\n")

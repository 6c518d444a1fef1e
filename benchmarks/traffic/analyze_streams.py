"""Compares client-measured chunk times (tollgate replay --samples) with the times the simulator
wrote each chunk (GET /sim/schedule), and reports achieved concurrency.

TTFT error  = client TTFT - server time of the first content chunk (both from request start/arrival).
ITL error   = client gap between chunks i-1 and i - server gap between the same writes.
"""
import hashlib
import json
import re
import sys
import urllib.request


def wire_request_id(request_id):
    """The x-request-id Tollgate sent for a sample (WireRequestID.uuid in TollgateTraffic)."""
    if re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", request_id):
        return request_id.lower()
    h = list(hashlib.sha256(("tollgate-request:" + request_id).encode()).hexdigest()[:32])
    h[12] = "4"
    h[16] = "89ab"[int(h[16], 16) & 3]
    h = "".join(h)
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


samples_path, schedule_url = sys.argv[1], sys.argv[2]
schedule = json.load(urllib.request.urlopen(schedule_url))
samples = [json.loads(line) for line in open(samples_path)]

ttft_err, itl_err, intervals = [], [], []
for s in samples:
    if s.get("errorClass"):
        continue
    server = schedule.get(wire_request_id(s["requestID"]))
    client = s["chunkTimesMs"]
    if not server or len(server) != len(client):
        continue
    ttft_err.append(abs(client[0] - server[0]))
    for i in range(1, len(client)):
        itl_err.append(abs((client[i] - client[i - 1]) - (server[i] - server[i - 1])))
    intervals.append((s["startedAt"], s["startedAt"] + s["e2eMs"] / 1000))

def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

events = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
level = peak = 0
for _, d in events:
    level += d
    peak = max(peak, level)
# Time-weighted mean concurrency over the middle 80% of the run (ramp-up and drain excluded).
start, end = min(a for a, _ in intervals), max(b for _, b in intervals)
lo, hi = start + 0.1 * (end - start), end - 0.1 * (end - start)
busy = sum(max(0, min(b, hi) - max(a, lo)) for a, b in intervals)
print(json.dumps({
    "requests_compared": len(intervals),
    "peak_concurrency": peak,
    "mean_concurrency_mid_run": round(busy / (hi - lo), 1),
    "ttft_error_ms": {"p50": round(pct(ttft_err, .5), 3), "p99": round(pct(ttft_err, .99), 3), "max": round(max(ttft_err), 3)},
    "itl_error_ms": {"p50": round(pct(itl_err, .5), 3), "p99": round(pct(itl_err, .99), 3), "max": round(max(itl_err), 3), "gaps": len(itl_err)},
}, indent=2))

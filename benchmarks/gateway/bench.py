#!/usr/bin/env python3
"""Gateway benchmark: throughput and added latency of `tollgate gateway` against HAProxy in the
same configuration, and TTFT of 1,000 concurrent streams through the gateway against direct.

Run on demand (not in CI):  benchmarks/gateway/run.sh   (builds release, then runs this)

Setup, all on 127.0.0.1, in one run so the ratios compare like with like:
  * upstreams: two nginx servers answering every request with a fixed chat completion (209 bytes);
  * direct: wrk -> nginx;
  * haproxy: wrk -> HAProxy (roundrobin, weights 50/50, keep-alive) -> the two nginx servers;
  * gateway: wrk -> tollgate gateway (--weight 50) -> the two nginx servers.
HAProxy and the gateway run the same number of event-loop threads ($BENCH_THREADS, default 1:
nbthread and --threads). Each proxy's CPU time per request during the throughput cell is read
from /proc.
wrk POSTs a chat completion request (benchmarks/gateway/post.lua).
Throughput: `wrk -t2 -c32`, requests per second. Added latency: `wrk -t1 -c1` (closed loop, no
queueing), p50 and p99 minus direct's.
Streams: `tollgate sim` (prefill 50 ms, 10 ms between tokens, 20 tokens); 1,000 streamed chat
requests at once, directly, through HAProxy (roundrobin over the simulator twice, as reference) and
through the gateway; TTFT is the time from sending to the first SSE event carrying content.
Needs: haproxy, nginx, wrk, python3, and the release `tollgate` binary (path in $TOLLGATE).
"""
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOLLGATE = os.environ.get("TOLLGATE", ".build/release/tollgate")
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
DURATION = os.environ.get("BENCH_DURATION", "10s")
STREAMS = int(os.environ.get("BENCH_STREAMS", "1000"))
# Event-loop threads of HAProxy (nbthread) and of the gateway (--threads), the same for both.
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
TICK = os.sysconf("SC_CLK_TCK")
HERE = os.path.dirname(os.path.abspath(__file__))
ANSWER = ('{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
          '"message":{"role":"assistant","content":"Your order ships today."},"finish_reason":"stop"}],'
          '"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}}')
CONTENT = re.compile(rb'"content":"[^"]')

processes = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, **kwargs):
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    processes.append(p)
    return p


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port} after {timeout} s")


def stop_all():
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def cpu_seconds(pid):
    """User plus system CPU time a process has used so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wrk(url, connections, threads, process=None):
    """(latency percentiles, requests/s, CPU µs per request of `process`)."""
    before = cpu_seconds(process.pid) if process else None
    out = subprocess.run([WRK, f"-t{threads}", f"-c{connections}", f"-d{DURATION}", "--latency",
                          "-s", os.path.join(HERE, "post.lua"), url],
                         capture_output=True, text=True, check=True).stdout
    percentiles = {m.group(1): to_ms(m.group(2)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    count = int(re.search(r"(\d+) requests in", out).group(1))
    cpu = (cpu_seconds(process.pid) - before) * 1e6 / count if process and count else None
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if failures or errors:
        raise SystemExit(f"{url}: failures during the run\n{out}")
    return percentiles, rps, cpu


async def one_stream(port, body):
    """Seconds to the first content event of one streamed request, or raises."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        start = time.perf_counter()
        writer.write(head + body)
        await writer.drain()
        buffer, first = b"", None
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            buffer += chunk
            if first is None and CONTENT.search(buffer):
                first = time.perf_counter() - start
        if first is None or b"finish_reason\":\"" not in buffer or not buffer.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(buffer[:200])
        return first * 1000
    finally:
        writer.close()


async def streams(port, count):
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "Where is my order?"}], "stream": True}).encode()
    results = await asyncio.gather(*(one_stream(port, body) for _ in range(count)), return_exceptions=True)
    times = [r for r in results if isinstance(r, float)]
    failures = sorted({repr(r)[:160] for r in results if not isinstance(r, float)})
    if failures:
        print(f"port {port}: {len(results) - len(times)} of {count} streams failed, e.g. {failures[:3]}", file=sys.stderr)
    return times, len(results) - len(times)


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    if not os.path.exists(TOLLGATE):
        raise SystemExit(f"{TOLLGATE} not found: build it with `swift build -c release --product tollgate`.")
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000 streams need 2,000+ descriptors
    folder = tempfile.mkdtemp(prefix="tollgate-bench-")
    load_before = os.getloadavg()
    try:
        up1, up2, hp, gw, sim, simgw, simhp = (free_port() for _ in range(7))
        with open(os.path.join(folder, "nginx.conf"), "w") as f:
            servers = "".join(
                f"server {{ listen 127.0.0.1:{p}; access_log off; location / {{ default_type application/json; "
                f"return 200 '{ANSWER}'; }} }}\n" for p in (up1, up2))
            f.write(f"worker_processes 1;\nerror_log {folder}/nginx-error.log;\npid {folder}/nginx.pid;\n"
                    f"events {{ worker_connections 4096; }}\nhttp {{ keepalive_requests 1000000; {servers} }}\n")
        with open(os.path.join(folder, "haproxy.cfg"), "w") as f:
            f.write(f"global\n    maxconn 4096\n    nbthread {THREADS}\ndefaults\n    mode http\n    option http-keep-alive\n"
                    "    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\n"
                    f"frontend fe\n    bind 127.0.0.1:{hp}\n    default_backend models\nbackend models\n    balance roundrobin\n"
                    f"    server baseline 127.0.0.1:{up1} weight 50\n    server candidate 127.0.0.1:{up2} weight 50\n"
                    f"frontend streams\n    bind 127.0.0.1:{simhp}\n    default_backend sim\nbackend sim\n"
                    f"    server baseline 127.0.0.1:{sim} weight 50\n    server candidate 127.0.0.1:{sim} weight 50\n")
        start([NGINX, "-p", folder, "-c", os.path.join(folder, "nginx.conf"), "-g", "daemon off;"])
        haproxy = start([HAPROXY, "-f", os.path.join(folder, "haproxy.cfg")])
        quiet = {**os.environ, "LOG_LEVEL": "error"}
        gateway = start([TOLLGATE, "gateway", "--threads", str(THREADS), "--listen", f"127.0.0.1:{gw}", "--baseline", f"http://127.0.0.1:{up1}",
                         "--candidate", f"http://127.0.0.1:{up2}", "--weight", "50"], env=quiet)
        start([TOLLGATE, "sim", "--listen", f"127.0.0.1:{sim}", "--prefill-ms", "50", "--prefill-spread", "0",
               "--prefill-per-token-ms", "0", "--decode-ms", "10", "--decode-spread", "0", "--output-tokens", "20"], env=quiet)
        for port in (up1, up2, hp, gw, sim, simhp):
            wait_port(port)
        start([TOLLGATE, "gateway", "--threads", str(THREADS), "--listen", f"127.0.0.1:{simgw}", "--baseline", f"http://127.0.0.1:{sim}",
               "--candidate", f"http://127.0.0.1:{sim}"], env=quiet)
        wait_port(simgw)

        targets = {"direct": up1, "haproxy": hp, "gateway": gw}
        proxies = {"direct": None, "haproxy": haproxy, "gateway": gateway}
        for port in targets.values():  # warm up connections and caches
            wrk(f"http://127.0.0.1:{port}/v1/chat/completions", 8, 1)
        latency = {name: wrk(f"http://127.0.0.1:{port}/v1/chat/completions", 1, 1)[0] for name, port in targets.items()}
        cells = {name: wrk(f"http://127.0.0.1:{port}/v1/chat/completions", 32, 2, proxies[name]) for name, port in targets.items()}
        throughput = {name: cell[1] for name, cell in cells.items()}
        cpu = {name: cell[2] for name, cell in cells.items()}

        stream_targets = {"direct": sim, "haproxy": simhp, "gateway": simgw}
        for port in stream_targets.values():  # warm-up
            asyncio.run(streams(port, 50))
        ttft = {name: asyncio.run(streams(port, STREAMS)) for name, port in stream_targets.items()}
        load_after = os.getloadavg()

        cores = os.cpu_count()
        print(f"## Gateway benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cores} cores, wrk {DURATION} per cell, "
              f"{THREADS} thread(s) for HAProxy and the gateway)\n")
        print(f"Load average (1, 5, 15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
              f"after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}\n")
        print("| path | p50 ms (1 conn) | p99 ms (1 conn) | added p50 ms | added p99 ms | throughput req/s (32 conn) | proxy CPU µs/request |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        d = latency["direct"]
        for name in targets:
            l = latency[name]
            print(f"| {name} | {l['50']:.3f} | {l['99']:.3f} | {l['50'] - d['50']:.3f} | {l['99'] - d['99']:.3f} | {throughput[name]:.0f} | {format(cpu[name], '.1f') if cpu[name] else ''} |")
        added = {name: (latency[name]["50"] - d["50"], latency[name]["99"] - d["99"]) for name in ("haproxy", "gateway")}
        ratio = lambda a, b: f"{a / b:.2f}x" if b > 0 else "n/a (HAProxy added nothing measurable)"
        print()
        print(f"- throughput, gateway / HAProxy: {throughput['gateway'] / throughput['haproxy']:.2f}x (goal: at least 0.5x)")
        print(f"- added p50, gateway / HAProxy: {ratio(added['gateway'][0], added['haproxy'][0])} (goal: at most 1.5x)")
        print(f"- added p99, gateway / HAProxy: {ratio(added['gateway'][1], added['haproxy'][1])}")
        print(f"- CPU per proxied request, gateway / HAProxy: {cpu['gateway'] / cpu['haproxy']:.2f}x "
              "(steadier than throughput where the cores are shared or stolen)")
        print()
        print(f"| {STREAMS} concurrent streams | errors | TTFT p50 ms | TTFT p99 ms | mean ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, (values, errors) in ttft.items():
            if values:
                print(f"| {name} | {errors} | {quantile(values, 0.5):.3f} | {quantile(values, 0.99):.3f} | {statistics.mean(values):.3f} |")
            else:
                print(f"| {name} | {errors} | | | |")
        direct_ttft = ttft["direct"][0]
        print()
        for name in ("haproxy", "gateway"):
            values = ttft[name][0]
            if direct_ttft and values:
                print(f"- TTFT added by {name} at p99: {quantile(values, 0.99) - quantile(direct_ttft, 0.99):+.3f} ms, "
                      f"p50: {quantile(values, 0.5) - quantile(direct_ttft, 0.5):+.3f} ms"
                      + (" (goal: p99 within 1 ms, no errors)" if name == "gateway" else " (reference)"))
    finally:
        stop_all()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

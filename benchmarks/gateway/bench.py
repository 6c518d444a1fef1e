#!/usr/bin/env python3
"""Gateway benchmark: added latency and throughput of `tollgate gateway` against direct access
and HAProxy in the same configuration, and TTFT of streamed answers through the gateway vs direct.

Run on demand (not in CI):  benchmarks/gateway/run.sh   (builds release, then runs this)

Setup, all on 127.0.0.1, in one run so the ratios compare like with like:
  * minimal upstream: an HAProxy instance answering every request itself with a fixed 11-byte JSON
    body (`http-request return`), on two ports (baseline, candidate);
  * direct: wrk -> upstream;
  * haproxy: wrk -> HAProxy (roundrobin, weights 75/25) -> upstreams;
  * gateway: wrk -> tollgate gateway (--weight 25) -> upstreams.
Added latency: wrk with one connection (closed loop, no queueing), p50 and p99 minus direct.
Throughput: wrk with 64 connections, requests per second.
TTFT: `tollgate sim` streaming (prefill 50 ms, decode 10 ms), 200 sequential streamed requests,
time from sending to the first SSE event carrying content, direct vs through the gateway.
Needs: haproxy, wrk, python3, and the release `tollgate` binary (path in $TOLLGATE).
"""
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
WRK = shutil.which("wrk") or "/usr/bin/wrk"
DURATION = os.environ.get("BENCH_DURATION", "10s")
TTFT_REQUESTS = int(os.environ.get("BENCH_TTFT_REQUESTS", "200"))

processes = []
CONTENT = re.compile(rb'"content":"[^"]')


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
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()


def haproxy_config(folder, name, body):
    path = os.path.join(folder, f"{name}.cfg")
    with open(path, "w") as f:
        f.write("global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 2s\n"
                "    timeout client 30s\n    timeout server 30s\n" + body + "\n")
    return path


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, connections, threads):
    out = subprocess.run([WRK, f"-t{threads}", f"-c{connections}", f"-d{DURATION}", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    percentiles = {m.group(1): to_ms(m.group(2)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses\n{out}")
    return percentiles, rps


def ttft_ms(port, requests):
    """Milliseconds to the first content event of `requests` sequential streamed chat requests."""
    body = json.dumps({"messages": [{"role": "user", "content": "Where is my order?"}], "stream": True}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    times = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(requests):
            start = time.perf_counter()
            s.sendall(head + body)
            buffer = b""
            first = None
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("connection closed mid-stream")
                buffer += chunk
                # The first event with non-empty content (the role chunk has "content":"").
                if first is None and CONTENT.search(buffer):
                    first = (time.perf_counter() - start) * 1000
                if buffer.endswith(b"0\r\n\r\n"):  # end of the chunked body
                    break
            if first is None:
                raise SystemExit("no content event in a streamed answer")
            times.append(first)
    return times


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    if not os.path.exists(TOLLGATE):
        raise SystemExit(f"{TOLLGATE} not found: build it with `swift build -c release --product tollgate`.")
    folder = tempfile.mkdtemp(prefix="tollgate-bench-")
    try:
        up1, up2, hp, gw, sim, simgw = (free_port() for _ in range(6))
        answer = 'http-request return status 200 content-type application/json string "{\\"ok\\":true}"'
        upstream_cfg = haproxy_config(folder, "upstream",
            f"frontend b\n    bind 127.0.0.1:{up1}\n    {answer}\nfrontend c\n    bind 127.0.0.1:{up2}\n    {answer}")
        proxy_cfg = haproxy_config(folder, "proxy",
            f"frontend fe\n    bind 127.0.0.1:{hp}\n    default_backend models\nbackend models\n    balance roundrobin\n"
            f"    server baseline 127.0.0.1:{up1} weight 75\n    server candidate 127.0.0.1:{up2} weight 25")
        start([HAPROXY, "-f", upstream_cfg])
        start([HAPROXY, "-f", proxy_cfg])
        start([TOLLGATE, "gateway", "--listen", f"127.0.0.1:{gw}", "--baseline", f"http://127.0.0.1:{up1}",
               "--candidate", f"http://127.0.0.1:{up2}", "--weight", "25"], env={**os.environ, "LOG_LEVEL": "error"})
        start([TOLLGATE, "sim", "--listen", f"127.0.0.1:{sim}", "--prefill-ms", "50", "--prefill-spread", "0",
               "--decode-ms", "10", "--decode-spread", "0"])
        for port in (up1, up2, hp, gw, sim):
            wait_port(port)
        start([TOLLGATE, "gateway", "--listen", f"127.0.0.1:{simgw}", "--baseline", f"http://127.0.0.1:{sim}",
               "--candidate", f"http://127.0.0.1:{sim}"], env={**os.environ, "LOG_LEVEL": "error"})
        wait_port(simgw)

        targets = {"direct": up1, "haproxy": hp, "gateway": gw}
        for port in targets.values():  # warm up connections and caches
            wrk(f"http://127.0.0.1:{port}/v1/models", 8, 1)
        latency = {name: wrk(f"http://127.0.0.1:{port}/v1/models", 1, 1)[0] for name, port in targets.items()}
        throughput = {name: wrk(f"http://127.0.0.1:{port}/v1/models", 64, 2)[1] for name, port in targets.items()}

        ttft_ms(sim, 20), ttft_ms(simgw, 20)  # warm-up
        ttft_direct = ttft_ms(sim, TTFT_REQUESTS)
        ttft_gateway = ttft_ms(simgw, TTFT_REQUESTS)

        cores = os.cpu_count()
        print(f"## Gateway benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cores} cores, wrk {DURATION} per cell)\n")
        print("| path | p50 ms | p99 ms | added p50 ms | added p99 ms | throughput req/s |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        d = latency["direct"]
        for name in targets:
            l = latency[name]
            print(f"| {name} | {l['50']:.3f} | {l['99']:.3f} | {l['50'] - d['50']:.3f} | {l['99'] - d['99']:.3f} | {throughput[name]:.0f} |")
        added_gw = latency["gateway"]["99"] - d["99"]
        added_hp = latency["haproxy"]["99"] - d["99"]
        print()
        print(f"- added p99, gateway / HAProxy: {added_gw / added_hp:.2f}x (goal: at most 1.5x)")
        print(f"- throughput, gateway / HAProxy: {throughput['gateway'] / throughput['haproxy']:.2f}x (goal: at least 0.5x)")
        print()
        print(f"| streamed TTFT ({TTFT_REQUESTS} requests) | p50 ms | p99 ms | mean ms |")
        print("| --- | ---: | ---: | ---: |")
        for name, values in (("direct", ttft_direct), ("gateway", ttft_gateway)):
            print(f"| {name} | {quantile(values, 0.5):.3f} | {quantile(values, 0.99):.3f} | {statistics.mean(values):.3f} |")
        print()
        print(f"- TTFT added by the gateway: p50 {quantile(ttft_gateway, 0.5) - quantile(ttft_direct, 0.5):+.3f} ms, "
              f"mean {statistics.mean(ttft_gateway) - statistics.mean(ttft_direct):+.3f} ms (goal: within 1 ms)")
    finally:
        stop_all()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

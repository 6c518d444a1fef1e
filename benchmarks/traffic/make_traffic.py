"""Writes a JSON Lines traffic file of N chat requests for the benchmarks: N stream|whole PATH [ID_PREFIX]."""
import json
import sys

n, stream, path = int(sys.argv[1]), sys.argv[2] == "stream", sys.argv[3]
prefix = sys.argv[4] if len(sys.argv) > 4 else "b"
with open(path, "w") as f:
    for i in range(n):
        body = {
            "model": "tollgate-sim",
            "messages": [{"role": "user", "content": f"Where is my order {i}? It has not arrived."}],
            "stream": stream,
            "max_tokens": 16 if not stream else 64,
        }
        f.write(json.dumps({"id": f"{prefix}{i}", "body": body}) + "\n")

"""Writes a JSON Lines traffic file of N chat requests for the benchmarks."""
import json
import sys

n, stream, path = int(sys.argv[1]), sys.argv[2] == "stream", sys.argv[3]
with open(path, "w") as f:
    for i in range(n):
        body = {
            "model": "tollgate-sim",
            "messages": [{"role": "user", "content": f"Where is my order {i}? It has not arrived."}],
            "stream": stream,
            "max_tokens": 16 if not stream else 64,
        }
        f.write(json.dumps({"id": f"b{i}", "body": body}) + "\n")

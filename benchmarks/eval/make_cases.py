"""Writes N eval cases, the simulator answers for them, an eval suite and the same requests as a
traffic file (both arms' worth), for the eval benchmark."""
import json
import sys

n, folder = int(sys.argv[1]), sys.argv[2]
answers = []
with open(f"{folder}/cases.jsonl", "w") as cases, open(f"{folder}/traffic.jsonl", "w") as traffic:
    for i in range(n):
        prompt = f"How do I change setting number {i}?"
        answer = f"Open Settings, choose Advanced, then change setting {i} and press Save."
        messages = [{"role": "user", "content": prompt}]
        cases.write(json.dumps({"id": f"c{i}", "messages": messages, "expected": answer, "tags": ["en" if i % 3 else "de"]}) + "\n")
        for arm in ("a", "b"):
            body = {"model": "tollgate-sim", "messages": messages, "max_tokens": 64, "temperature": 0, "stream": True}
            traffic.write(json.dumps({"id": f"{arm}{i}", "body": body}) + "\n")
        answers.append({"prompt": prompt, "answer": answer, "degraded": "I'm sorry, I cannot help with that."})
json.dump({"cases": answers}, open(f"{folder}/sim-cases.json", "w"))
open(f"{folder}/suite.yaml", "w").write("""version: 1
kind: evalsuite
name: bench
api: openai-chat
cases: cases.jsonl
defaults: { temperature: 0, max_tokens: 64 }
scorers:
  - { type: equals, name: right, weight: 2 }
  - { type: contains, name: page, values: [Settings], weight: 1 }
  - { type: regex, name: save, pattern: "Save\\\\.$", weight: 1 }
  - { type: length, name: brief, max: 400, weight: 1 }
  - { type: refusal, name: answers, weight: 1 }
pass_threshold: 0.75
max_drop: 2pp
""")

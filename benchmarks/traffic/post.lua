-- wrk script: POST the same non-streamed chat request the replay benchmark sends.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"tollgate-sim","messages":[{"role":"user","content":"Where is my order? It has not arrived."}],"stream":false,"max_tokens":16}'

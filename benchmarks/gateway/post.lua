-- wrk script of the gateway benchmark: every request POSTs one chat completion request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"m","messages":[{"role":"user","content":"Where is my order?"}]}'

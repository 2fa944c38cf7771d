-- wrk script of acp-bench: the creates "acp load run --mix create=1"
-- sends, with the same body and headers and a fresh Idempotency-Key and
-- Request-Id on every request (a reused key would be answered from the
-- idempotency record, which is not a create). acp-bench fills in the
-- {{"{{...}}"}} fields; the key prefix, unique to each run, is wrk's first
-- argument after "--".
wrk.method = "POST"
wrk.path = [==[{{.Path}}]==]
wrk.body = [==[{{.Body}}]==]
wrk.headers["User-Agent"] = "acp-load"
wrk.headers["Accept"] = "application/json"
wrk.headers["API-Version"] = [==[{{.APIVersion}}]==]
wrk.headers["Content-Type"] = "application/json"
{{if .Token}}wrk.headers["Authorization"] = [==[Bearer {{.Token}}]==]
{{end}}
local prefix = "wrk-"
local n = 0
local threads = 0

-- Each thread numbers its keys after its own prefix.
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  prefix = "wrk-" .. (args[1] or "") .. "-" .. (thread_id or 0) .. "-"
end

function request()
  n = n + 1
  wrk.headers["Idempotency-Key"] = prefix .. n
  wrk.headers["Request-Id"] = "req-" .. prefix .. n
  return wrk.format()
end

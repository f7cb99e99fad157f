-- wrk script for every benchmark workload. Configured through the environment:
--   BENCH_KEY        API key (Authorization: Bearer ...)
--   BENCH_BODY       JSON body sent with every request (static requests), or
--   BENCH_IDS_FILE   a file of ids, one a line; each request sends {BENCH_ID_FIELD: <next id>}.
--                    Thread n of N starts at the n/N-th id and walks on, wrapping around, so
--                    in the first pass over the file every id is sent exactly once.
--   BENCH_DELAY_MS   if set, each connection waits this long before each request, so the
--                    offered rate is about connections * 1000 / (delay + latency) per second.
--   BENCH_OUT        where done() writes its one-line JSON summary.

-- An empty variable counts as unset.
local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  return v
end

local key = env("BENCH_KEY")
local body = env("BENCH_BODY")
local ids_file = env("BENCH_IDS_FILE")
local id_field = env("BENCH_ID_FIELD") or "access_code_id"
local delay_ms = tonumber(env("BENCH_DELAY_MS") or "")
local out = env("BENCH_OUT")

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"
wrk.body = body

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

if ids_file then
  local ids, pos
  function init(args)
    ids = {}
    for line in io.lines(ids_file) do
      if #line > 0 then table.insert(ids, line) end
    end
    local n = tonumber(env("BENCH_THREADS") or "1")
    pos = math.floor(#ids * thread_index / n)
  end
  function request()
    pos = pos % #ids + 1
    return wrk.format(nil, nil, nil, '{"' .. id_field .. '":"' .. ids[pos] .. '"}')
  end
end

if delay_ms then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local line = string.format(
    '{"duration_us":%d,"requests":%d,"bytes":%d,"non2xx":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"mean_us":%.1f}',
    summary.duration, summary.requests, summary.bytes, e.status, e.connect, e.read,
    e.write, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean)
  if out then
    local f = assert(io.open(out, "w"))
    f:write(line, "\n")
    f:close()
  else
    io.write(line, "\n")
  end
end

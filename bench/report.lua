-- wrk script for bench/run.py.
-- A measurement lasts at least BENCH_MIN_SECONDS and at least BENCH_MIN_REQUESTS answers (so a
-- slow case still gets a sample on a busy machine), and at most wrk's -d (the hard bound).
-- At the end it prints one JSON line: throughput, p50, p99 and the errors.
local min_requests = tonumber(os.getenv("BENCH_MIN_REQUESTS") or "16")
local min_seconds = tonumber(os.getenv("BENCH_MIN_SECONDS") or "3")
local started = 0
local answers = 0

function init(args)
  started = os.time()
end

function response(status, headers, body)
  answers = answers + 1
  if answers >= min_requests and os.time() - started >= min_seconds then
    wrk.thread:stop()
  end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "errors_connect": %d, "errors_read": %d, "errors_status": %d, ' ..
    '"errors_timeout": %d, "bytes": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.status,
    summary.errors.timeout, summary.bytes))
end

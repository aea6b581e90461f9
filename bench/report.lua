-- wrk reporter for bench/run.py: one JSON line with the throughput, p50, p99 and the errors.
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

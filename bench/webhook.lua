-- wrk script for bench/webhook.py: POST pre-signed, unique webhook events.
-- Arguments after `--`: <bodies file> <threads> <reserve>. Each line of the file is
-- "<X-ZEvent-Signature value>\t<raw JSON body>"; thread k sends lines k, k+T, k+2T, ... and stops
-- once all but <reserve> (its connections) are answered, so no body is ever sent twice.

local created = 0

function setup(thread)
  thread:set("id", created)
  created = created + 1
end

function init(args)
  local path, threads, reserve = args[1], tonumber(args[2]), tonumber(args[3])
  sigs, bodies = {}, {}
  local line_no = 0
  for line in io.lines(path) do
    if line_no % threads == id then
      local tab = line:find("\t", 1, true)
      sigs[#sigs + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    line_no = line_no + 1
  end
  quota = math.max(1, #bodies - reserve)
  sent, answered = 0, 0
end

function request()
  sent = sent + 1
  local n = ((sent - 1) % #bodies) + 1
  local headers = { ["Content-Type"] = "application/json", ["X-ZEvent-Signature"] = sigs[n] }
  return wrk.format("POST", "/webhook/zalo", headers, bodies[n])
end

function response(status, headers, body)
  answered = answered + 1
  if answered >= quota then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non2xx":%d,"errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end

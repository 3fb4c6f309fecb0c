-- Walks a file of request bodies (one per line), each wrk thread taking every n-th line, so
-- every single-use credential (an authorization code) is sent once.
-- args: bodies_file method path authorization threads
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local file, method_, path_, auth, threads = args[1], args[2], args[3], args[4], tonumber(args[5])
  method, path = method_, path_
  bodies = {}
  local i = 0
  for line in io.lines(file) do
    if i % threads == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  index = 0
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  if auth ~= "-" then wrk.headers["Authorization"] = auth end
end

function request()
  index = index + 1
  local body = bodies[((index - 1) % math.max(#bodies, 1)) + 1]
  if method == "GET" then body = nil end
  return wrk.format(method, path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "http_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end

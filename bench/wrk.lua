-- Walks a file of request bodies (one per line), each wrk thread taking every n-th line, so
-- every single-use credential (an authorization code) is sent once; counts every answer whose
-- status is not the expected one as an error.
-- args: bodies_file method path authorization threads expected_status
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local file, method_, path_, auth, nthreads = args[1], args[2], args[3], args[4], tonumber(args[5])
  method, path, expected, bad = method_, path_, tonumber(args[6] or "200"), 0
  seen = {}
  local lines = {}
  for line in io.lines(file) do lines[#lines + 1] = line end
  bodies = {}
  for i, line in ipairs(lines) do
    -- fewer lines than threads (one reusable body): every thread sends them all
    if #lines < nthreads or (i - 1) % nthreads == id then bodies[#bodies + 1] = line end
  end
  index = 0
  if method ~= "GET" then wrk.headers["Content-Type"] = "application/x-www-form-urlencoded" end
  if auth ~= "-" then wrk.headers["Authorization"] = auth end
end

function request()
  index = index + 1
  local body = bodies[((index - 1) % math.max(#bodies, 1)) + 1]
  if method == "GET" then body = nil end
  return wrk.format(method, path, nil, body)
end

function response(status, headers, body)
  if status ~= expected then
    bad = bad + 1
    seen[status] = (seen[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local unexpected, counts, statuses = 0, {}, {}
  for _, thread in ipairs(threads) do
    unexpected = unexpected + thread:get("bad")
    for status, count in pairs(thread:get("seen")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  for status, count in pairs(counts) do
    statuses[#statuses + 1] = string.format('"%d": %d', status, count)
  end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "unexpected_status": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, unexpected, table.concat(statuses, ", ")))
end

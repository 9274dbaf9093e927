-- wrk script for the LMS benchmarks.
--   wrk ... -s bench.lua URL [-- COOKIE_FILE [EXPECTED_STATUS]]
-- COOKIE_FILE: one "name=value" session cookie a line (logged-in learners, obtained by logging
-- in with Python first); each request uses the next cookie, so the load is spread over many
-- learners. "-" or nothing: anonymous requests.
-- EXPECTED_STATUS (default 200): responses with another status below 400 are counted as
-- "not_expected" (for example a 302 to the login page when a session stopped working);
-- wrk itself counts statuses >= 400 as status errors.
-- done() prints one line "BENCH_JSON {...}" with throughput, latency percentiles and errors.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

cookies = {}
idx = 0
expected = 200
not_expected = 0
statuses = {}

function init(args)
   local file = args[1]
   if file ~= nil and file ~= "-" then
      for line in io.lines(file) do
         if #line > 0 then table.insert(cookies, line) end
      end
   end
   if args[2] ~= nil then expected = tonumber(args[2]) end
   -- start each thread at a different place in the list
   if #cookies > 0 then idx = math.random(#cookies) - 1 end
end

function request()
   if #cookies > 0 then
      idx = (idx % #cookies) + 1
      wrk.headers["Cookie"] = cookies[idx]
   end
   return wrk.format(nil, nil)
end

function response(status, headers, body)
   if status ~= expected and status < 400 then
      not_expected = not_expected + 1
   end
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local ne = 0
   local st = {}
   for _, t in ipairs(threads) do
      ne = ne + (t:get("not_expected") or 0)
      local s = t:get("statuses")
      if s then
         for k, v in pairs(s) do st[tostring(k)] = (st[tostring(k)] or 0) + v end
      end
   end
   local parts = {}
   for k, v in pairs(st) do table.insert(parts, string.format('"%s": %d', k, v)) end
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
      '"not_expected": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, ' ..
      '"statuses": {%s}}\n',
      summary.requests, summary.duration, summary.bytes,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
      ne, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
      table.concat(parts, ", ")))
end

-- Reads: the public lists (paths in lists.txt) and single requests (ids in
-- ids.txt), one of each in turn. ACCEPT_ENCODING, when set, is sent as the
-- request's Accept-Encoding.
local dir = os.getenv("LOAD_DIR")
local ids, lists = {}, {}
for line in io.lines(dir .. "/ids.txt") do ids[#ids + 1] = line end
for line in io.lines(dir .. "/lists.txt") do lists[#lists + 1] = line end
local enc = os.getenv("ACCEPT_ENCODING")
if enc and enc ~= "" then wrk.headers["Accept-Encoding"] = enc end
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", lists[(n / 2) % #lists + 1])
  end
  return wrk.format("GET", "/api/v1/requests/" .. ids[math.random(#ids)])
end
-- One line for scripts/load to read: requests, per second, p50 and p99 in
-- ms, non-2xx answers, socket errors.
done = function(summary, latency, requests)
  io.write(string.format("reads %d %.0f %.2f %.2f %d %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

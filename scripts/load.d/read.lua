-- Reads: the public list with filters and single requests, ids from ids.txt.
local ids = {}
for line in io.lines(os.getenv("LOAD_DIR") .. "/ids.txt") do ids[#ids + 1] = line end
local kinds = {"volunteering", "goods", "funding", "advice", "jobs", "works"}
local areas = {"E05015014","E05015015","E05015016","E05015017","E05015018","E05015019","E05015020","E05015021","E05015022","E05015023","E05015024","E05015025","E05015026","E05015027","E05015028","E05015029","E05015030","E05015031","E05015032","E05015033","E05015034"}
local n = 0
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/api/v1/requests?kind=" .. kinds[n % 6 + 1] .. "&area=" .. areas[n % 21 + 1])
  end
  return wrk.format("GET", "/api/v1/requests/" .. ids[math.random(#ids)])
end
response = function(status)
  if status ~= 200 then errors_seen = (errors_seen or 0) + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("reads: %d requests, %.0f/s, p50 %.2f ms, p99 %.2f ms, non-2xx %d, socket errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

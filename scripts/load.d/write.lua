-- Writes: pledges by one supplier on random published requests.
local ids = {}
for line in io.lines(os.getenv("LOAD_DIR") .. "/ids.txt") do ids[#ids + 1] = line end
local f = io.open(os.getenv("LOAD_DIR") .. "/token.txt"); local token = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
request = function()
  return wrk.format("POST", "/api/v1/requests/" .. ids[math.random(#ids)] .. "/pledges", nil,
    '{"offer":"Load test pledge","quantity":1,"unit":"day","valuePence":5000}')
end
-- One line for scripts/load, as read.lua's.
done = function(summary, latency, requests)
  io.write(string.format("writes %d %.0f %.2f %.2f %d %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

--[[
  Rate limits as GCRA (the generic cell rate algorithm, as in redis-cell and redis_rate):
  each key holds one number, the "theoretical arrival time" of the next request. A rule lets
  `burst` requests through at once, then one every `interval` ms. Several rules are checked
  together and consumed only if all of them allow it, so parallel requests cannot all pass a
  check that a later count would have refused (check and count are one step).

  Input:
    KEYS[1..n]  one key per rule (on a cluster they must share a hash tag)
    ARGV[1]     cost (requests to take; 0 only checks)
    ARGV[2..]   per rule: interval in ms, burst (requests allowed at once)
  Output:
    { allowed (1|0), retry after in ms (0 when allowed), requests left under the tightest rule }
  A negative cost gives requests back (a sign-in that succeeded).
  Cost: one GET and at most one SET per rule; the time comes from Redis, so every instance
  agrees on it.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cost = tonumber(ARGV[1])

local new_tats = {}
local retry_after = 0
local remaining = nil
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', key)) or now
  if tat < now then tat = now end
  local new_tat = tat + interval * cost
  -- The request may pass when it lands no later than `burst` intervals ahead of now.
  local diff = now - (new_tat - interval * burst)
  if diff < 0 and cost > 0 then
    if -diff > retry_after then retry_after = -diff end
    remaining = 0
  else
    local left = math.max(0, math.floor(diff / interval))
    if remaining == nil or left < remaining then remaining = left end
  end
  new_tats[i] = new_tat
end

if retry_after > 0 then return { 0, retry_after, 0 } end
if cost ~= 0 then
  for i, key in ipairs(KEYS) do
    redis.call('SET', key, string.format('%d', new_tats[i]), 'PX', math.max(1, new_tats[i] - now))
  end
end
return { 1, 0, remaining or 0 }

--[[
  Record the outcome of a fan-out batch: one delivery record per session, written once.
  A session already recorded (a retried or resumed batch) is left as it is and not counted
  again, so counts stay exact whatever is retried.

  Input:
    KEYS[1]  broadcast hash (counters)
    KEYS[2]  deliveries hash: session id -> record JSON
    KEYS[3]  set of 'stored' session ids
    KEYS[4]  set of 'duplicate' session ids
    KEYS[5]  set of 'failed' session ids
    ARGV[1]  timestamp (ISO 8601)
    ARGV[2]  one character per session: 'c' stored in a list it created, 's' stored,
             'd' duplicate, 'f' failed
    ARGV[3 .. n+2]  the n session ids, in that order
    ARGV[n+3 ..]    the reason of each failed session, in order
  Output:
    { newly recorded, stored, created, duplicates, failed }
  All keys share the broadcast's hash tag, so this runs on one cluster slot.
  Cost: a batch takes a handful of calls, not two per session: one HMGET finds who is
  recorded already, one HSET writes the new records, one SADD per status. Inside one atomic
  call, "HMGET says absent, then HSET" is HSETNX for each field. Calls take at most 1000
  sessions each (Lua's unpack limit).
]]
local at = ARGV[1]
local statuses = ARGV[2]
local n = #statuses
local call = redis.call
local byte = string.byte
local CHUNK = 1000
local C, S, D = byte('c'), byte('s'), byte('d')

-- Every stored/duplicate record of the batch is the same JSON: encode each kind once.
local fixed = {
  [C] = cjson.encode({ at = at, status = 'stored', created = true }),
  [S] = cjson.encode({ at = at, status = 'stored', created = false }),
  [D] = cjson.encode({ at = at, status = 'duplicate' }),
}

local function chunked(cmd, key, list, step)
  for s = 1, #list, CHUNK * step do
    call(cmd, key, unpack(list, s, math.min(#list, s + CHUNK * step - 1)))
  end
end

-- Which sessions hold a record already (ARGV[3..n+2] are the ids).
local existing = {}
for s = 1, n, CHUNK do
  local e = math.min(n, s + CHUNK - 1)
  local got = call('HMGET', KEYS[2], unpack(ARGV, s + 2, e + 2))
  for j = 1, #got do existing[s + j - 1] = got[j] end
end

local fields, storedIds, dupIds, failedIds = {}, {}, {}, {}
local seen = {}
local created, nextReason = 0, n + 3
for i = 1, n do
  local sid = ARGV[i + 2]
  local st = byte(statuses, i)
  local rec = fixed[st]
  local reason
  if not rec then
    reason = ARGV[nextReason] or 'unknown error'
    nextReason = nextReason + 1
  end
  if not existing[i] and not seen[sid] then
    seen[sid] = true
    if st == C or st == S then
      storedIds[#storedIds + 1] = sid
      if st == C then created = created + 1 end
    elseif st == D then
      dupIds[#dupIds + 1] = sid
    else
      rec = cjson.encode({ at = at, status = 'failed', reason = reason })
      failedIds[#failedIds + 1] = sid
    end
    fields[#fields + 1] = sid
    fields[#fields + 1] = rec
  end
end

local stored, duplicates, failed = #storedIds, #dupIds, #failedIds
local recorded = stored + duplicates + failed
if recorded > 0 then
  chunked('HSET', KEYS[2], fields, 2)
  if stored > 0 then chunked('SADD', KEYS[3], storedIds, 1) end
  if duplicates > 0 then chunked('SADD', KEYS[4], dupIds, 1) end
  if failed > 0 then chunked('SADD', KEYS[5], failedIds, 1) end
  call('HINCRBY', KEYS[1], 'targeted', recorded)
  if stored > 0 then call('HINCRBY', KEYS[1], 'stored', stored) end
  if created > 0 then call('HINCRBY', KEYS[1], 'created', created) end
  if duplicates > 0 then call('HINCRBY', KEYS[1], 'duplicates', duplicates) end
  if failed > 0 then call('HINCRBY', KEYS[1], 'failed', failed) end
end

return { recorded, stored, created, duplicates, failed }

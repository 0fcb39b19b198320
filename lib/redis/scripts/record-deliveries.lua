--[[
  Record the outcome of a fan-out batch: one delivery record per session, written once.
  A session already recorded (a retried or resumed batch) is left as it is and not counted
  again, so counts stay exact whatever is retried; only a 'failed' record gives way when a
  later run stores the message there (or finds it there), and then moves out of 'failed'. A stored session whose receipt came first
  (the live push goes out before the fan-out reaches it; mark-deliveries.lua kept it) is
  recorded as delivered or seen at once.

  Input:
    KEYS[1]  broadcast hash (counters)
    KEYS[2]  deliveries hash: session id -> record JSON
    KEYS[3]  early receipts hash (see mark-deliveries.lua)
    KEYS[4]  set of 'duplicate' session ids
    KEYS[5]  set of 'failed' session ids
    KEYS[6]  set of 'delivered' session ids
    KEYS[7]  set of 'seen' session ids
  (No set of 'stored' ids: nearly every record is one, so the report finds them by walking the
  records themselves, and the per-session SADD it cost, about half the records' own price, is saved.)
    ARGV[1]  timestamp (ISO 8601)
    ARGV[2]  one character per session: 'c' stored in a list it created, 's' stored,
             'd' duplicate, 'f' failed
    ARGV[3 .. n+2]  the n session ids, in that order
    ARGV[n+3 ..]    the reason of each failed session, in order
  Output:
    { newly recorded, stored, created, duplicates, failed, recovered }: counts of this call's
    new records; 'recovered' failed records were replaced (counted in stored or duplicates,
    not again in targeted, and taken out of failed)
  All keys share the broadcast's hash tag, so this runs on one cluster slot.
  Cost: a batch takes a handful of calls, not two per session: one HMGET finds who is
  recorded already, one HSET writes the new records, one SADD per rarer status (and one EXISTS for
  early receipts, which are rare: only clients online during the fan-out). Inside one atomic
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
local FAILED = '"status":"failed"'

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

local function hmget(key, ids, first, last, into)
  for s = first, last, CHUNK do
    local e = math.min(last, s + CHUNK - 1)
    local got = call('HMGET', key, unpack(ids, s, e))
    for j = 1, #got do into(s + j - first, got[j]) end
  end
end

-- Which sessions hold a record already (ARGV[3..n+2] are the ids).
local existing = {}
hmget(KEYS[2], ARGV, 3, n + 2, function(i, v) existing[i] = v end)

-- The new records, by index (parallel arrays: no table per session on this hot path).
local new, reasons, seen, recovered = {}, {}, {}, {}
local nextReason = n + 3
for i = 1, n do
  local sid = ARGV[i + 2]
  local st = byte(statuses, i)
  local reason
  if not fixed[st] then
    reason = ARGV[nextReason] or 'unknown error'
    nextReason = nextReason + 1
  end
  local e = existing[i]
  if not seen[sid] and (not e or (fixed[st] and string.find(e, FAILED, 1, true))) then
    seen[sid] = true
    new[#new + 1] = i
    reasons[i] = reason
    if e then recovered[#recovered + 1] = sid end
  end
end
if #new == 0 then return { 0, 0, 0, 0, 0, 0 } end

-- Receipts that came before these records.
local early = {}
if call('EXISTS', KEYS[3]) == 1 then
  local ids = {}
  for _, i in ipairs(new) do
    local st = byte(statuses, i)
    if st == C or st == S then ids[#ids + 1] = ARGV[i + 2] end
  end
  hmget(KEYS[3], ids, 1, #ids, function(i, v) if v then early[ids[i]] = v end end)
end

local fields = {}
local sets = { {}, {}, {}, {} } -- duplicate, failed, delivered, seen; a plain stored record: none
local stored, created, duplicates, failed, delivered, seenCount = 0, 0, 0, 0, 0, 0
for _, i in ipairs(new) do
  local sid, st = ARGV[i + 2], byte(statuses, i)
  local rec, set
  if st == C or st == S then
    stored = stored + 1
    if st == C then created = created + 1 end
    local e = early[sid]
    if e then
      local deliveredAt, seenAt = string.match(string.sub(e, 2), '^(%S+) ?(%S*)$')
      local status = string.sub(e, 1, 1) == 's' and 'seen' or 'delivered'
      rec = cjson.encode({
        at = at, status = status, created = st == C,
        deliveredAt = deliveredAt, seenAt = status == 'seen' and seenAt or nil,
      })
      delivered = delivered + 1
      if status == 'seen' then
        seenCount = seenCount + 1
        set = 4
      else
        set = 3
      end
    else
      rec = fixed[st]
    end
  elseif st == D then
    duplicates = duplicates + 1
    rec, set = fixed[D], 1
  else
    failed = failed + 1
    rec, set = cjson.encode({ at = at, status = 'failed', reason = reasons[i] }), 2
  end
  fields[#fields + 1] = sid
  fields[#fields + 1] = rec
  if set then
    local list = sets[set]
    list[#list + 1] = sid
  end
end

chunked('HSET', KEYS[2], fields, 2)
for i = 1, 4 do
  if #sets[i] > 0 then chunked('SADD', KEYS[3 + i], sets[i], 1) end
end
if #recovered > 0 then
  chunked('SREM', KEYS[5], recovered, 1)
  call('HINCRBY', KEYS[1], 'failed', -#recovered)
end
if #new > #recovered then call('HINCRBY', KEYS[1], 'targeted', #new - #recovered) end
if stored > 0 then call('HINCRBY', KEYS[1], 'stored', stored) end
if created > 0 then call('HINCRBY', KEYS[1], 'created', created) end
if duplicates > 0 then call('HINCRBY', KEYS[1], 'duplicates', duplicates) end
if failed > 0 then call('HINCRBY', KEYS[1], 'failed', failed) end
if delivered > 0 then call('HINCRBY', KEYS[1], 'delivered', delivered) end
if seenCount > 0 then call('HINCRBY', KEYS[1], 'seen', seenCount) end

return { #new, stored, created, duplicates, failed, #recovered }

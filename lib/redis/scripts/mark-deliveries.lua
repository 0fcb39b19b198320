--[[
  Advance delivery records on receipts: stored -> delivered -> seen (never backwards), for a
  batch of receipts of one broadcast. A receipt for a session the broadcast did not store into
  (a duplicate or failed record, or no record once the broadcast is over) is ignored.
  The live push goes out before the fan-out has written every record, so a receipt may come
  first: while the broadcast runs (or is interrupted, to be resumed) it is kept in the
  early-receipts hash, and record-deliveries.lua applies it when it writes that session's
  record. The client is told its receipt is recorded and does not send it again.

  Input:
    KEYS[1]  broadcast hash (status, counters)
    KEYS[2]  deliveries hash: session id -> record JSON
    KEYS[3]  early receipts hash: session id -> 'd' .. deliveredAt, or 's' .. deliveredAt .. ' ' .. seenAt
    KEYS[4]  set of 'delivered' session ids
    KEYS[5]  set of 'seen' session ids
  (A stored record is in no set: see record-deliveries.lua.)
    ARGV[1]  timestamp (ISO 8601)
    ARGV[2]  one letter per receipt: 'd' delivered, 's' seen
    ARGV[3 .. n+2]  the session id of each receipt, in that order (a session may come twice:
                    an ack and a seen sent together)
  Output:
    one letter per receipt: '1' it advanced the record, 'e' kept until the record is written,
    '0' ignored
  Cost: receipts arrive by the thousand right after a broadcast, so a batch takes a handful of
  calls, not five per receipt: one HMGET, one HSET of the changed records, one SREM/SADD per
  set, one HINCRBY per counter. Calls take at most 1000 ids each (Lua's unpack limit).
  All keys share the broadcast's hash tag, so this runs on one cluster slot.
]]
local at = ARGV[1]
local kinds = ARGV[2]
local n = #kinds
local call = redis.call
local SEEN = string.byte('s')
local CHUNK = 1000
local EARLY_TTL = 86400
local rank = { stored = 1, delivered = 2, seen = 3 }

local function chunked(cmd, key, list, step)
  for s = 1, #list, CHUNK * step do
    call(cmd, key, unpack(list, s, math.min(#list, s + CHUNK * step - 1)))
  end
end

local function hmget(key, ids, into)
  for s = 1, #ids, CHUNK do
    local got = call('HMGET', key, unpack(ids, s, math.min(#ids, s + CHUNK - 1)))
    for j = 1, #got do into(ids[s + j - 1], got[j]) end
  end
end

-- Each session's record once, whatever the number of its receipts.
-- entries[sid]: false = no record; true = a record no receipt can advance; else { rec, from }.
local ids, entries = {}, {}
for i = 1, n do
  local sid = ARGV[i + 2]
  if entries[sid] == nil then
    entries[sid] = false
    ids[#ids + 1] = sid
  end
end
hmget(KEYS[2], ids, function(sid, raw)
  if not raw then return end
  -- A record that does not decode is left as it is (it fails its receipt, not the batch).
  local ok, rec = pcall(cjson.decode, raw)
  if ok and type(rec) == 'table' and rank[rec.status] then
    entries[sid] = { rec = rec, from = rec.status }
  else
    entries[sid] = true
  end
end)

local running
local out, early, earlyIds = {}, {}, {}
local delivered, seen, changed = 0, 0, 0
for i = 1, n do
  local sid = ARGV[i + 2]
  local e = entries[sid]
  local to = string.byte(kinds, i) == SEEN and 'seen' or 'delivered'
  out[i] = '0'
  if e == false then
    if running == nil then
      local status = call('HGET', KEYS[1], 'status')
      running = status == 'running' or status == 'interrupted'
    end
    if running then
      if early[sid] == nil then
        earlyIds[#earlyIds + 1] = sid
        early[sid] = false
      end
      -- The strongest receipt wins; merged with what is kept already below.
      if to == 'seen' or not early[sid] then early[sid] = to end
      out[i] = 'e'
    end
  elseif e ~= true and rank[to] > rank[e.rec.status] then
    local rec = e.rec
    -- Seen implies delivered: a client may report both at once.
    if not rec.deliveredAt then
      rec.deliveredAt = at
      delivered = delivered + 1
    end
    if to == 'seen' then
      rec.seenAt = at
      seen = seen + 1
    end
    rec.status = to
    if not e.changed then changed = changed + 1 end
    e.changed = true
    out[i] = '1'
  end
end

if #earlyIds > 0 then
  local kept, fields = {}, {}
  hmget(KEYS[3], earlyIds, function(sid, raw) kept[sid] = raw end)
  for _, sid in ipairs(earlyIds) do
    local old, to = kept[sid], early[sid]
    local value
    if not old then
      value = to == 'seen' and ('s' .. at .. ' ' .. at) or ('d' .. at)
    elseif to == 'seen' and string.sub(old, 1, 1) == 'd' then
      value = 's' .. string.sub(old, 2) .. ' ' .. at
    end
    if value then
      fields[#fields + 1] = sid
      fields[#fields + 1] = value
    end
  end
  if #fields > 0 then
    chunked('HSET', KEYS[3], fields, 2)
    call('EXPIRE', KEYS[3], EARLY_TTL)
  end
end

if changed > 0 then
  local fields, leaveDelivered, joinDelivered, joinSeen = {}, {}, {}, {}
  for _, sid in ipairs(ids) do
    local e = entries[sid]
    if type(e) == 'table' and e.changed then
      fields[#fields + 1] = sid
      fields[#fields + 1] = cjson.encode(e.rec)
      if e.from == 'delivered' then leaveDelivered[#leaveDelivered + 1] = sid end
      if e.rec.status == 'delivered' then joinDelivered[#joinDelivered + 1] = sid
      else joinSeen[#joinSeen + 1] = sid end
    end
  end
  chunked('HSET', KEYS[2], fields, 2)
  if #leaveDelivered > 0 then chunked('SREM', KEYS[4], leaveDelivered, 1) end
  if #joinDelivered > 0 then chunked('SADD', KEYS[4], joinDelivered, 1) end
  if #joinSeen > 0 then chunked('SADD', KEYS[5], joinSeen, 1) end
  if delivered > 0 then call('HINCRBY', KEYS[1], 'delivered', delivered) end
  if seen > 0 then call('HINCRBY', KEYS[1], 'seen', seen) end
end

return table.concat(out)

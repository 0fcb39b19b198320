--[[
  Advance one session's delivery record: stored -> delivered -> seen (never backwards).
  A receipt for a session the broadcast did not store into is ignored.

  Input:
    KEYS[1]  broadcast hash (counters)
    KEYS[2]  deliveries hash
    KEYS[3]  set of 'stored' session ids
    KEYS[4]  set of 'delivered' session ids
    KEYS[5]  set of 'seen' session ids
    ARGV[1]  session id
    ARGV[2]  'delivered' or 'seen'
    ARGV[3]  timestamp (ISO 8601)
  Output:
    1 when the record changed, 0 when it was already there or not applicable
]]
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
local to = ARGV[2]
local rank = { stored = 1, delivered = 2, seen = 3 }
local from = rec.status
if not rank[from] or rank[to] <= rank[from] then return 0 end

if from == 'stored' then
  redis.call('SREM', KEYS[3], ARGV[1])
elseif from == 'delivered' then
  redis.call('SREM', KEYS[4], ARGV[1])
end
rec.status = to
if to == 'delivered' then
  rec.deliveredAt = ARGV[3]
  redis.call('SADD', KEYS[4], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'delivered', 1)
else
  -- Seen implies delivered: a client may report both at once.
  if not rec.deliveredAt then
    rec.deliveredAt = ARGV[3]
    redis.call('HINCRBY', KEYS[1], 'delivered', 1)
  end
  rec.seenAt = ARGV[3]
  redis.call('SADD', KEYS[5], ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'seen', 1)
end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(rec))
return 1

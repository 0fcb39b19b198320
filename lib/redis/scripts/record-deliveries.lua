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
    ARGV[3k-1], ARGV[3k], ARGV[3k+1]  session id, status (stored|created|duplicate|failed), reason
  Output:
    { newly recorded, stored, created, duplicates, failed }
  All keys share the broadcast's hash tag, so this runs on one cluster slot.
]]
local at = ARGV[1]
local recorded, stored, created, duplicates, failed = 0, 0, 0, 0, 0

for k = 2, #ARGV, 3 do
  local sid, status, reason = ARGV[k], ARGV[k + 1], ARGV[k + 2]
  local rec = { at = at }
  local set
  if status == 'created' or status == 'stored' then
    rec.status = 'stored'
    rec.created = (status == 'created')
    set = KEYS[3]
  elseif status == 'duplicate' then
    rec.status = 'duplicate'
    set = KEYS[4]
  else
    rec.status = 'failed'
    rec.reason = reason
    set = KEYS[5]
  end
  if redis.call('HSETNX', KEYS[2], sid, cjson.encode(rec)) == 1 then
    redis.call('SADD', set, sid)
    recorded = recorded + 1
    if rec.status == 'stored' then
      stored = stored + 1
      if rec.created then created = created + 1 end
    elseif rec.status == 'duplicate' then
      duplicates = duplicates + 1
    else
      failed = failed + 1
    end
  end
end

if recorded > 0 then
  redis.call('HINCRBY', KEYS[1], 'targeted', recorded)
  if stored > 0 then redis.call('HINCRBY', KEYS[1], 'stored', stored) end
  if created > 0 then redis.call('HINCRBY', KEYS[1], 'created', created) end
  if duplicates > 0 then redis.call('HINCRBY', KEYS[1], 'duplicates', duplicates) end
  if failed > 0 then redis.call('HINCRBY', KEYS[1], 'failed', failed) end
end

return { recorded, stored, created, duplicates, failed }

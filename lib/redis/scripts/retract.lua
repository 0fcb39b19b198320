#!lua flags=allow-cross-slot-keys
--[[
  Remove a broadcast's copy from a batch of sessions' lists, and count what was removed, in
  one atomic call: a retract resumed or walked twice removes nothing twice and counts nothing
  twice.

  Input:
    KEYS[1]      broadcast hash (its 'removed' counter)
    KEYS[2 ..]   message list keys
    ARGV[1]      the broadcast's message JSON, byte for byte as stored in every session
  Output:
    copies removed by this call
  Only an element equal to that exact JSON goes: user messages and other broadcasts stay, in
  their order. A key that is gone (the session ended) or of another type is skipped; nothing
  is created.
  Cost: per key, one TYPE and one LREM (a scan of the list).
]]
local payload = ARGV[1]
local removed = 0
for i = 2, #KEYS do
  if redis.call('TYPE', KEYS[i]).ok == 'list' then
    removed = removed + redis.call('LREM', KEYS[i], 0, payload)
  end
end
if removed > 0 then redis.call('HINCRBY', KEYS[1], 'removed', removed) end
return removed

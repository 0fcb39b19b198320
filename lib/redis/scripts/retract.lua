--[[
  Remove a broadcast's copy from a batch of sessions' lists, and count what was removed, in
  one atomic call: a retract resumed or walked twice removes nothing twice and counts nothing
  twice.

  Input:
    KEYS[1]      broadcast hash (its 'removed' counter), when ARGV[2] is '1'
    KEYS[.. n]   message list keys
    ARGV[1]      the broadcast's message JSON, byte for byte as stored in every session
    ARGV[2]      '1': KEYS[1] is the counter; '0': every key is a list and the caller counts
                 (on a cluster the broadcast hash is in another slot than the lists, and a
                 call holds the lists of one slot)
  Output:
    copies removed by this call
  Only an element equal to that exact JSON goes: user messages and other broadcasts stay, in
  their order. A key that is gone (the session ended) or of another type is skipped; nothing
  is created.
  Cost: per key, one TYPE and one LREM (a scan of the list).
]]
local payload = ARGV[1]
local counted = ARGV[2] == '1'
local removed = 0
for i = counted and 2 or 1, #KEYS do
  if redis.call('TYPE', KEYS[i]).ok == 'list' then
    removed = removed + redis.call('LREM', KEYS[i], 0, payload)
  end
end
if counted and removed > 0 then redis.call('HINCRBY', KEYS[1], 'removed', removed) end
return removed

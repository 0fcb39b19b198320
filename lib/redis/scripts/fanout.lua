#!lua flags=allow-cross-slot-keys
--[[
  Store one broadcast message in a batch of sessions, atomically per session.

  Input:
    KEYS[2i-1]  session data key of the i-th session
    KEYS[2i]    message list key of the i-th session
    ARGV[1]     the stored message JSON; the same string in every session, so it is also
                the needle of the duplicate check (LPOS), which keeps one copy per session
    ARGV[2]     TTL in seconds set on the list after a write (0: no TTL)
    ARGV[3]     one character per session, how it was found:
                  'd' by its data key, 'm' by its list alone, 'e' named explicitly
  Output:
    one code per session:
      'C' stored, list created      'S' stored in the existing list
      'D' duplicate (already there) 'W:<type>' failed, the list key has another type
      'N' failed, no such session   'X' skipped: found by its list but has a data key
      'G' skipped: vanished since discovery
  Cluster: the caller batches only keys that one node's SCAN returned (allow-cross-slot-keys).
]]
local payload = ARGV[1]
local ttl = tonumber(ARGV[2])
local kinds = ARGV[3]
local out = {}

for i = 1, #kinds do
  local dataKey = KEYS[2 * i - 1]
  local listKey = KEYS[2 * i]
  local kind = string.sub(kinds, i, i)
  local t = redis.call('TYPE', listKey)['ok']
  local code
  if t ~= 'none' and t ~= 'list' then
    code = 'W:' .. t
  elseif kind == 'm' and redis.call('EXISTS', dataKey) == 1 then
    -- The data key is (or was) found by the same SCAN: that occurrence handles the session.
    code = 'X'
  elseif t == 'none' and redis.call('EXISTS', dataKey) == 0 then
    if kind == 'e' then code = 'N' else code = 'G' end
  elseif t == 'list' and redis.call('LPOS', listKey, payload) then
    code = 'D'
  else
    redis.call('RPUSH', listKey, payload)
    if ttl > 0 then redis.call('EXPIRE', listKey, ttl) end
    if t == 'none' then code = 'C' else code = 'S' end
  end
  out[i] = code
end

return out

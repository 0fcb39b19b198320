--[[
  Move a broadcast to a new status, but only from the statuses allowed: the one place where
  runs, cancels and retracts decide who wins (a run finishing as it is cancelled, a cancel as
  it is retracted) without a read-then-write race.

  Input:
    KEYS[1]  broadcast hash
    ARGV[1]  the new status
    ARGV[2]  the statuses it may be moved from, separated by spaces
    ARGV[3 ..] more fields written with it, as name, value pairs
  Output:
    { 1, previous status }  moved
    { 0, current status }   refused ('' when there is no such broadcast)
  Cost: one HGET, one HSET.
]]
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return { 0, '' } end
if string.find(' ' .. ARGV[2] .. ' ', ' ' .. current .. ' ', 1, true) then
  redis.call('HSET', KEYS[1], 'status', ARGV[1], unpack(ARGV, 3))
  return { 1, current }
end
return { 0, current }

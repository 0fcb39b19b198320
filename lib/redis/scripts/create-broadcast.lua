#!lua flags=allow-cross-slot-keys
--[[
  Claim a broadcast id and write its record in one atomic step, or compare a re-send with the
  record that holds the id already. A crash can never leave an id claimed without its record.

  Input:
    KEYS[1]  broadcast hash (herald:bc:{id})
    KEYS[2]  index of broadcasts by creation time (sorted set)
    ARGV[1]  creation time in ms (the index score)
    ARGV[2]  n, the number of fields that make the broadcast what it is (compared on a re-send)
    ARGV[3 .. 2n+2]  those n fields as name, value pairs (message, title, level, target)
    ARGV[2n+3 ..]    the record's other fields, as name, value pairs (written only when created)
  Output:
    { 'created', status }   the id was free: record written, indexed
    { 'exists', status }    same message, title, level and target: the caller may resume or re-run it
    { 'conflict', field }   the id holds another broadcast; field names the first difference
  Cost: one EXISTS; then one HSET and one ZADD (created) or one HMGET (a re-send).
  Both keys are Herald's own and live on one node of a standalone Redis.
]]
local call = redis.call
local n = tonumber(ARGV[2])
if call('EXISTS', KEYS[1]) == 0 then
  local fields = {}
  for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
  call('HSET', KEYS[1], unpack(fields))
  call('ZADD', KEYS[2], ARGV[1], call('HGET', KEYS[1], 'id'))
  return { 'created', call('HGET', KEYS[1], 'status') }
end

local names, wanted = {}, {}
for i = 1, n do
  names[i] = ARGV[1 + 2 * i]
  wanted[i] = ARGV[2 + 2 * i]
end
local have = call('HMGET', KEYS[1], unpack(names))
for i = 1, #names do
  if (have[i] or '') ~= wanted[i] then return { 'conflict', names[i] } end
end
return { 'exists', call('HGET', KEYS[1], 'status') or '' }

--[[
  Claim a broadcast id and write its record in one atomic step, or compare a re-send with the
  record that holds the id already. A crash can never leave an id claimed without its record.
  The index of broadcasts (another cluster slot) is written by the caller, before this call.

  Input:
    KEYS[1]  broadcast hash (herald:bc:{id})
    ARGV[1]  n, the number of fields that make the broadcast what it is (compared on a re-send)
    ARGV[2 .. 2n+1]  those n fields as name, value pairs (message, title, level, target)
    ARGV[2n+2 ..]    the record's other fields, as name, value pairs (written only when created)
  Output:
    { 'created', status }   the id was free: record written
    { 'exists', status }    same message, title, level and target: the caller may resume or re-run it
    { 'conflict', field }   the id holds another broadcast; field names the first difference
  Cost: one EXISTS; then one HSET (created) or one HMGET (a re-send).
  One key: runs on one cluster slot.
]]
local call = redis.call
local n = tonumber(ARGV[1])
if call('EXISTS', KEYS[1]) == 0 then
  local fields = {}
  for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
  call('HSET', KEYS[1], unpack(fields))
  return { 'created', call('HGET', KEYS[1], 'status') }
end

local names, wanted = {}, {}
for i = 1, n do
  names[i] = ARGV[2 * i]
  wanted[i] = ARGV[1 + 2 * i]
end
local have = call('HMGET', KEYS[1], unpack(names))
for i = 1, #names do
  if (have[i] or '') ~= wanted[i] then return { 'conflict', names[i] } end
end
return { 'exists', call('HGET', KEYS[1], 'status') or '' }

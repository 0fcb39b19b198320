--[[
  Append an end user's message to their session's list, unless the list is full, and keep the
  list's expiry at least `ttl` away without ever shortening a longer one (or removing none).

  Input:
    KEYS[1]  the session's message list
    ARGV[1]  the message (JSON)
    ARGV[2]  most entries the list may hold for a user message to be added
    ARGV[3]  TTL in ms (0: leave the expiry alone)
  Output:
    { 1, new length }       appended
    { 0, length }           full: nothing written
    error WRONGTYPE         the key holds another type (nothing written)
  Cost: LLEN, RPUSH, PEXPIREAT … GT (Redis ≥ 7), all O(1).
]]
local len = redis.call('LLEN', KEYS[1])
if len >= tonumber(ARGV[2]) then return { 0, len } end
len = redis.call('RPUSH', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  local t = redis.call('TIME')
  local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ttl
  -- An existing list without a TTL keeps none (GT counts "no TTL" as infinite); the list this
  -- RPUSH just created has none either, so it gets its TTL with a plain PEXPIREAT.
  if len == 1 then
    redis.call('PEXPIREAT', KEYS[1], string.format('%d', at))
  else
    redis.call('PEXPIREAT', KEYS[1], string.format('%d', at), 'GT')
  end
end
return { 1, len }

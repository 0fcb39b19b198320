--[[
  Store one broadcast message in a batch of sessions, atomically per session.

  Input:
    ARGV[3]     one character per session, how it was found:
                  'd' by its data key, 'm' by its list, 'e' named explicitly,
                  'o' online (ahead of a walk that will find it again)
                or, on a cluster (a session's two keys are in different slots, so the caller
                looked up the data key beforehand and declares the list key alone):
                  'n' named explicitly, no data key   'g' found or online, no data key
    KEYS        per session, in that order, only the keys its kind needs:
                  'd', 'n', 'g': the message list key
                  'm', 'e', 'o': the session data key, then the message list key
    ARGV[1]     the stored message JSON; the same string in every session, so it is also
                the needle of the duplicate check (LPOS), which keeps one copy per session
    ARGV[2]     TTL in seconds set on the list after a write (0: no TTL)
  Output:
    { codes, type... }: codes has one letter per session (one string, cheaper to send and
    read than an array), then comes the key type of each 'W' session, in order:
      'C' stored, list created      'S' stored in the existing list
      'D' duplicate (already there) 'W' failed, the list key has another type
      'N' failed, no such session   'X' skipped: found by its list but has a data key
      'G' skipped: vanished since discovery
  Cost: this is the hot path, so a session takes as few calls as the checks allow:
    - found by its data key ('d') with no list yet: RPUSH (reply 1: no duplicate can be
      there), PEXPIREAT. The data key was just seen by SCAN, so it is not looked up again
      (a session ending in between keeps a list that expires with the TTL; without a TTL
      the caller sends such sessions as 'o', which are checked)
                                                                                 (2 calls)
    - found by its list ('m') and the data key exists: EXISTS (its 'd' entry handles it)
                                                                                 (1 call)
    - an existing list: RPUSH, LPOS (is there a copy before ours?), PEXPIREAT    (3 calls)
    - a duplicate: RPUSH, LPOS, RPOP (takes our push back; TTL untouched)        (3 calls)
    - named explicitly or online ('e', 'o') with no list yet: RPUSH, EXISTS (is it a
      session?), PEXPIREAT, or DEL when it is not                                (3 calls)
  All within one atomic call, so nobody sees a push that is taken back.
  Cluster: every key is declared. A session's two keys have no common hash tag, so on a cluster
  the caller sends list keys only ('d', 'n', 'g'), one call per slot (lib/broadcasts/batch.ts).
]]
local payload = ARGV[1]
local ttl = tonumber(ARGV[2])
-- An absolute expiry, computed once per call: PEXPIREAT costs Redis less than EXPIRE (which
-- rewrites itself into a PEXPIREAT on every call); the call lasts a few ms, so the TTL is the same.
local expireAt
if ttl > 0 then
  local now = redis.call('TIME')
  expireAt = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + ttl * 1000
end
local kinds = ARGV[3]
local n = #kinds
local call, pcall = redis.call, redis.pcall
local byte = string.byte
local D, M, E = byte('d'), byte('m'), byte('e')
local N, G = byte('n'), byte('g')

local out, wrongTypes = {}, {}
local k = 0
for i = 1, n do
  local kind = byte(kinds, i)
  local dataKey
  if kind ~= D and kind ~= N and kind ~= G then
    k = k + 1
    dataKey = KEYS[k]
  end
  k = k + 1
  local listKey = KEYS[k]
  local code
  -- The data key is (or was) found by the same SCAN: that occurrence handles the session.
  if kind == M and call('EXISTS', dataKey) == 1 then
    code = 'X'
  else
    local len = pcall('RPUSH', listKey, payload)
    if type(len) == 'table' then
      code = 'W'
      wrongTypes[#wrongTypes + 1] = call('TYPE', listKey)['ok']
    elseif len == 1 then
      -- The list did not exist. Found by it, it has gone since; named, it must be a session.
      if kind == D or (dataKey and kind ~= M and call('EXISTS', dataKey) == 1) then
        if expireAt then call('PEXPIREAT', listKey, expireAt) end
        code = 'C'
      else
        call('DEL', listKey)
        -- Only a session named explicitly is a failure; one found (or online) has just ended.
        if kind == E or kind == N then code = 'N' else code = 'G' end
      end
    elseif call('LPOS', listKey, payload) < len - 1 then
      -- A copy before ours: this broadcast was stored here already.
      call('RPOP', listKey)
      code = 'D'
    else
      -- GT: only ever lengthen the chat app's retention (a list without a TTL keeps none).
      if expireAt then call('PEXPIREAT', listKey, expireAt, 'GT') end
      code = 'S'
    end
  end
  out[i] = code
end

return { table.concat(out), unpack(wrongTypes) }

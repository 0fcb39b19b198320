#!lua flags=allow-cross-slot-keys
--[[
  Store one broadcast message in a batch of sessions, atomically per session.

  Input:
    ARGV[4]     how duplicates are found:
                  'marks': KEYS[1] is the set of session ids this broadcast was pushed to, and
                           ARGV[5 .. n+4] are the n session ids, in the order of ARGV[3]
                  'lists': no such key (a cluster, or a broadcast older than its marks): the
                           list itself is searched (LPOS), a cost that grows with its length
    ARGV[3]     one character per session, how it was found:
                  'd' by its data key, 'm' by its list, 'e' named explicitly,
                  'o' online (ahead of a walk that will find it again)
                or, on a cluster (a session's two keys are in different slots, so the caller
                looked up the data key beforehand and declares the list key alone):
                  'n' named explicitly, no data key   'g' found or online, no data key
    KEYS        (after the marks set, if any) per session, in that order, only the keys its
                kind needs:
                  'd', 'n', 'g': the message list key
                  'm', 'e', 'o': the session data key, then the message list key
    ARGV[1]     the stored message JSON; the same string in every session (and the needle of
                the 'lists' duplicate check)
    ARGV[2]     TTL in seconds set on the list after a write (0: no TTL)
  Output:
    { codes, type... }: codes has one letter per session (one string, cheaper to send and
    read than an array), then comes the key type of each 'W' session, in order:
      'C' stored, list created      'S' stored in the existing list
      'D' duplicate (already there) 'W' failed, the list key has another type
      'N' failed, no such session   'X' skipped: found by its list but has a data key
      'G' skipped: vanished since discovery

  Exactly one copy per session, with marks ('marks', single Redis node):
    The set names every session a push of this broadcast reached, and it is written in the
    same atomic call as those pushes: a push without its mark (or a mark without its push)
    can never be seen, whatever dies when. So a session is pushed to only if it is not marked,
    and marked as it is pushed. Every way of reaching a session twice goes through this check:
    a batch retried after a lost reply, a run resumed after a crash between this call and
    its record (record-deliveries.lua; the session is marked, so it counts as a duplicate,
    as before), a key SCAN returns twice (two batches: the later call sees the first's mark),
    the online pass then the walk, a re-send of the same id (same broadcast, same set). The
    mark is consulted, never the list, so the check costs the same for a list of 5 entries
    as for one of 1,000,000, and it stays right when the chat app trims the list or keeps
    writing to it (the copy may no longer be near the tail, or there at all: the session was
    still reached once). A chat app that deletes the copy does not get it back from a re-send.
    The set lives as long as the broadcast's other keys and costs Redis one member per session.
  Without marks ('lists'): after the push, LPOS finds the first copy; one before ours means
    it was there already. Exact too, but it reads the whole list (O(history)): a list of
    1,000,000 entries holds Redis ~100 ms. Broadcasts created before marks existed keep it (their
    earlier pushes left no marks), and so does a cluster, where the set and the lists are on
    different nodes and cannot share an atomic call.
  Cost: this is the hot path, so a session takes as few calls as the checks allow:
    - marks: one SMISMEMBER and one SADD per 1000 sessions, none per session
    - found by its data key ('d') with no list yet: RPUSH (reply 1: no duplicate can be
      there), PEXPIREAT. The data key was just seen by SCAN, so it is not looked up again
      (a session ending in between keeps a list that expires with the TTL; without a TTL
      the caller sends such sessions as 'o', which are checked)
                                                                                 (2 calls)
    - found by its list ('m') and the data key exists: EXISTS (its 'd' entry handles it)
                                                                                 (1 call)
    - an existing list, marks: RPUSH, PEXPIREAT, whatever the list's length       (2 calls)
    - an existing list, lists: RPUSH, LPOS (O(length)), PEXPIREAT                (3 calls)
    - marked already: nothing ('D')                                              (0 calls)
    - a duplicate, lists: RPUSH, LPOS, RPOP (takes our push back; TTL untouched)  (3 calls)
    - named explicitly or online ('e', 'o') with no list yet: RPUSH, EXISTS (is it a
      session?), PEXPIREAT, or DEL when it is not                                (3 calls)
  All within one atomic call, so nobody sees a push that is taken back.
  Cluster: every key is declared, and allow-cross-slot-keys lets one call hold keys of several
  slots served by one node. A session's two keys have no common hash tag, so on a cluster the
  caller sends list keys only ('d', 'n', 'g'), grouped per node (lib/broadcasts/batch.ts), and
  'lists' (the marks set is in the broadcast's slot, on another node).
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
local marks = ARGV[4] == 'marks'
local CHUNK = 1000 -- Lua's unpack limit

-- Which sessions this broadcast reached already, by index; with marks, KEYS[1] is the set.
local marked, k = {}, 0
if marks then
  k = 1
  for s = 1, n, CHUNK do
    local e = math.min(n, s + CHUNK - 1)
    local got = call('SMISMEMBER', KEYS[1], unpack(ARGV, s + 4, e + 4))
    for j = 1, #got do marked[s + j - 1] = got[j] == 1 end
  end
end
local byte = string.byte
local D, M, E = byte('d'), byte('m'), byte('e')
local N, G = byte('n'), byte('g')

-- pushed: ids to mark; reached: the same by id, should one call name a session twice.
local out, wrongTypes, pushed, reached = {}, {}, {}, {}
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
  elseif marked[i] or (marks and reached[ARGV[i + 4]]) then
    code = 'D'
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
    elseif not marks and call('LPOS', listKey, payload) < len - 1 then
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
  if marks and (code == 'C' or code == 'S') then
    pushed[#pushed + 1] = ARGV[i + 4]
    reached[ARGV[i + 4]] = true
  end
end
for s = 1, #pushed, CHUNK do
  call('SADD', KEYS[1], unpack(pushed, s, math.min(#pushed, s + CHUNK - 1)))
end

return { table.concat(out), unpack(wrongTypes) }

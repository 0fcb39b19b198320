--[[
  Store one broadcast message in a batch of sessions, atomically per session.

  Input:
    ARGV[4]     how duplicates are found (see "Exactly one copy" below):
                  'marks': KEYS[1] is the set of the long lists this broadcast was pushed to
                           (on a cluster, the set of this call's slot: see Cluster below),
                           ARGV[5] is L, the longest list searched
                  'lists': no such key (a broadcast older than its marks): every list is
                           searched whole (LPOS), a cost that grows with its length
                  'short': no such key, ARGV[5] is L: as 'marks' for lists of at most L entries,
                           which need no mark; a longer list is left as it was ('T'). For a
                           cluster slot in migration, where the marks set may be on the other
                           side (a call naming it could not run there)
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
    ARGV[1]     the stored message JSON; the same string in every session, so it is also
                the needle of the duplicate check (LPOS)
    ARGV[2]     TTL in seconds set on the list after a write (0: no TTL)
  Output:
    { codes, type... }: codes has one letter per session (one string, cheaper to send and
    read than an array), then comes the key type of each 'W' session, in order:
      'C' stored, list created      'S' stored in the existing list
      'D' duplicate (already there) 'W' failed, the list key has another type
      'N' failed, no such session   'X' skipped: found by its list but has a data key
      'G' skipped: vanished since discovery
      'T' not written: a long list, and no marks set in this call ('short'); try again later

  Exactly one copy per session, whatever the history's length ('marks'):
    A copy is pushed at the tail. Pushed into a list of at most L entries, it sits at index
    <= L, and stays there or nearer the head: the chat app appends (RPUSH) and trims from the
    head (LTRIM). So LPOS ... MAXLEN L+1 finds it, reading at most L+1 entries. Pushed into a
    longer list, it would be out of that reach: then the list key goes into the marks set, in
    the same atomic call as the push, so a push without its mark can never be seen, whatever
    dies when. A session holds a copy already iff its list is marked or the bounded LPOS finds
    one before ours; the check reads at most L+1 entries and one set member, for a list of 5
    entries or of 1,000,000. Every way of reaching a session twice goes through it: a batch
    retried after a lost reply, a run resumed after a crash between this call and its record
    (record-deliveries.lua; counted as a duplicate, as before), a key SCAN returns twice (the
    later call sees the first's copy or mark), the online pass then the walk, a re-send of the
    same id (same payload, same set), and one call naming a session twice. Only long lists
    are marked (rarely many), so the set costs Redis little, and a short list keeps what it had:
    a copy the chat app removed is pushed again by a re-send. The set lives as long as the
    broadcast's other keys.
  Without marks ('lists'): LPOS reads the whole list (O(history): a list of 1,000,000 entries
    holds Redis ~100 ms). Broadcasts created before marks keep it (their long lists were never
    marked), and so do cluster broadcasts created before marks per slot.
  Cost: this is the hot path, so a session takes as few calls as the checks allow:
    - found by its data key ('d') with no list yet: RPUSH (reply 1: no duplicate can be
      there), PEXPIREAT. The data key was just seen by SCAN, so it is not looked up again
      (a session ending in between keeps a list that expires with the TTL; without a TTL
      the caller sends such sessions as 'o', which are checked)
                                                                                 (2 calls)
    - found by its list ('m') and the data key exists: EXISTS (its 'd' entry handles it)
                                                                                 (1 call)
    - an existing list of at most L entries: RPUSH, LPOS (is there a copy before ours?),
      PEXPIREAT                                                                  (3 calls)
    - a longer list: RPUSH, SISMEMBER, LPOS (MAXLEN L+1), SADD, PEXPIREAT         (5 calls)
      ('lists': RPUSH, LPOS over the whole list, PEXPIREAT)
    - a duplicate: as above, then RPOP (takes our push back; TTL untouched)
    - named explicitly or online ('e', 'o') with no list yet: RPUSH, EXISTS (is it a
      session?), PEXPIREAT, or DEL when it is not                                (3 calls)
  All within one atomic call, so nobody sees a push that is taken back.
  Cluster: every key is declared. A session's two keys have no common hash tag, so on a cluster
  the caller sends list keys only ('d', 'n', 'g'), one call per slot (lib/broadcasts/batch.ts),
  and the marks are a set per slot whose hash tag is that slot's (keys.pushedInSlot): it sits
  beside the lists it marks, so the push and its mark stay one atomic call there too, and a
  slot that migrates takes its marks along.
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
local mode = ARGV[4]
local marks = mode == 'marks' and KEYS[1]
local longest = mode ~= 'lists' and tonumber(ARGV[5])
local byte = string.byte
local D, M, E = byte('d'), byte('m'), byte('e')
local N, G = byte('n'), byte('g')

-- Is there a copy of the payload before ours (the last of `len` entries)? nil: cannot tell here.
local function copyBefore(listKey, len)
  if not longest then return call('LPOS', listKey, payload) < len - 1 end
  if len - 1 <= longest then
    -- Short before our push: any earlier copy is within the first L+1 entries (header).
    local at = call('LPOS', listKey, payload, 'MAXLEN', longest + 1)
    return at ~= false and at < len - 1
  end
  if not marks then return nil end
  if call('SISMEMBER', marks, listKey) == 1 then return true end
  -- Pushed while the list was still short, the copy is near the head.
  if call('LPOS', listKey, payload, 'MAXLEN', longest + 1) then return true end
  call('SADD', marks, listKey)
  return false
end

local out, wrongTypes = {}, {}
local k = marks and 1 or 0
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
    else
      local copy = copyBefore(listKey, len)
      if copy == nil then
        -- A long list whose mark this call cannot read or write: our push is taken back.
        call('RPOP', listKey)
        code = 'T'
      elseif copy then
        -- This broadcast was stored here already.
        call('RPOP', listKey)
        code = 'D'
      else
        -- GT: only ever lengthen the chat app's retention (a list without a TTL keeps none).
        if expireAt then call('PEXPIREAT', listKey, expireAt, 'GT') end
        code = 'S'
      end
    end
  end
  out[i] = code
end

return { table.concat(out), unpack(wrongTypes) }

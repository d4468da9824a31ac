-- Extends the lease if the caller still owns it with this token.
-- KEYS[1] the lease; ARGV[1] engine id, ARGV[2] token, ARGV[3] lease time in ms
-- Returns 1 if extended, 0 if the lease lapsed or passed to another engine.
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0

-- Gives the lease up if the caller still owns it with this token.
-- KEYS[1] the lease; ARGV[1] engine id, ARGV[2] token
-- Returns 1 if released, 0 otherwise.
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0

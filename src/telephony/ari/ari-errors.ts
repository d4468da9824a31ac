/** What Asterisk said when it refused a request, as ari-client reports it. */

/** ari-client rejects with the response body as the message: `{"message":"Allocation failed"}`. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  try {
    const body = JSON.parse(message) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not a JSON body: a network error or a timeout
  }
  return message;
}

/** Asterisk's answers when the channel has already gone: the ChannelDestroyed event tells the rest. */
export function isGoneError(err: unknown): boolean {
  return /Channel not found|not in Stasis|Channel not in this bridge/i.test(describeError(err));
}

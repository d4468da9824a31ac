// The signed-in person of this tab: their API key, kept in this tab's
// sessionStorage only (closing the tab signs out), and the API called with it.
// Every failure is an ApiError carrying the server's own message and field.

export const API = '/api/v1';
const KEY = 'outpace.key';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `the server answered HTTP ${status}`);
    this.status = status;
    this.code = body?.error;
    this.field = body?.field;
  }
}

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key.trim()),
  signOut: () => sessionStorage.removeItem(KEY),
};

export function authorization() {
  return { authorization: `Bearer ${session.key()}` };
}

/** Calls the API: `body` (an object) is sent as JSON; the answer is parsed JSON, undefined for 204, or text for CSV. */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const response = await fetch(API + path, {
    method,
    headers: { ...authorization(), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined;
  const type = response.headers.get('content-type') ?? '';
  const answer = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof answer === 'object' ? answer : { message: answer });
  return answer;
}

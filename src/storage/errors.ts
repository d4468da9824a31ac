/** A storage refusal the API turns into a 404 or 409 with this message. */
export class NotFoundError extends Error {
  constructor(what: string, id: string) {
    super(`${what} ${id} does not exist`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** An uploaded file the server cannot read as asked (a missing column, no header): the API answers 422. */
export class UnreadableFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

/** A request whose field is wrong in a way its schema cannot say (it depends on another field): the API answers 400. */
export class ValidationError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ValidationError';
  }
}

// SQLSTATE classes of a server that cannot be reached or is going away: 08 connection exception,
// 57 operator intervention (admin shutdown, crash shutdown, cannot connect now), 53 insufficient resources.
const UNREACHABLE_CLASSES = new Set(['08', '57', '53']);
const UNREACHABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres says these in words, without a code.
const UNREACHABLE_MESSAGE = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable/i;

/** The server could not be reached, or went away mid-query: the same write may succeed later. Any other error is an answer. */
export function isStorageUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code)) return UNREACHABLE_CLASSES.has(code.slice(0, 2));
    if (UNREACHABLE_ERRNO.has(code)) return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isStorageUnreachable);
  return UNREACHABLE_MESSAGE.test(error.message);
}

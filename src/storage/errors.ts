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

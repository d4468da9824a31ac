/** Every error as JSON: what was wrong, and the field at fault when there is one. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { ClaimLostError } from '../campaigns/attempts.js';
import { ConflictError, NotFoundError, UnreadableFileError, ValidationError } from '../storage/errors.js';
import { UnmigratedDatabaseError } from '../storage/migrate.js';

/** The body of every 4xx and 5xx answer, whoever refused: a route, the validation, or the framework. */
export interface ApiError {
  readonly error: string;
  readonly message: string;
  /** Dotted path of the (first) field at fault, such as "body.pacing.abandonTarget" or "querystring.limit". */
  readonly field?: string;
  /** Every problem found, when the request was checked against a schema: all of them, not only the first. */
  readonly problems?: readonly Problem[];
}

export interface Problem {
  readonly field: string;
  readonly message: string;
}

export function sendError(reply: FastifyReply, status: number, body: ApiError) {
  return reply.code(status).send(body);
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    return sendProblems(
      reply,
      error.validation.map((issue) => ({
        field: [where, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
        message: issue.message ?? 'is not valid',
      })),
    );
  }
  if (error instanceof ZodError) {
    return sendProblems(reply, error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })));
  }
  if (error instanceof ValidationError) return sendProblems(reply, [{ field: error.field, message: error.message.slice(error.field.length + 2) }]);
  if (error instanceof NotFoundError) return sendError(reply, 404, { error: 'not-found', message: error.message });
  if (error instanceof ConflictError || error instanceof ClaimLostError) {
    return sendError(reply, 409, { error: 'conflict', message: error.message });
  }
  if (unstorableText(error)) {
    return sendError(reply, 400, { error: 'validation', message: 'a text holds a NUL byte or characters that are not UTF-8: remove them' });
  }
  const missingReference = foreignKeyViolation(error);
  if (missingReference) {
    return sendError(reply, 409, { error: 'conflict', message: `refers to something that does not exist: ${missingReference}` });
  }
  if (error instanceof UnreadableFileError) return sendError(reply, 422, { error: 'unreadable-file', message: error.message });
  if (error instanceof UnmigratedDatabaseError) return sendError(reply, 503, { error: 'unmigrated', message: error.message });
  if (error.statusCode && error.statusCode < 500) {
    // The framework's own refusals (a body that is not JSON, a media type no route reads, a body too large).
    const kind = FRAMEWORK_ERRORS[error.code] ?? 'bad-request';
    // A body JSON cannot read (or one naming __proto__, which the parser refuses) is at fault as a whole.
    return sendError(reply, error.statusCode, { error: kind, message: error.message, ...(kind === 'invalid-json' ? { field: 'body' } : {}) });
  }
  request.log.error({ err: error }, 'request failed');
  return sendError(reply, 500, { error: 'internal', message: 'the server failed; the error is in its log' });
}

/** Fastify's codes, in the words of the API's other errors. */
const FRAMEWORK_ERRORS: Partial<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
};

/** A 400 that lists every problem; its message names them all, its field the first. */
function sendProblems(reply: FastifyReply, problems: readonly Problem[]) {
  const message = problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
  return sendError(reply, 400, { error: 'validation', message, ...(problems[0]?.field ? { field: problems[0].field } : {}), problems });
}

/** Unknown routes answer in the same shape as every other error. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendError(reply, 404, { error: 'not-found', message: `no route ${request.method} ${request.url.split('?')[0]}: see /api/v1/openapi.json` });
}

/**
 * PostgreSQL's foreign_key_violation, as pg and PGlite both report it (an agent
 * or lead id that does not exist): its detail, or undefined for any other error.
 */
function foreignKeyViolation(error: object): string | undefined {
  const { code, detail, message } = error as { code?: unknown; detail?: unknown; message?: unknown };
  if (code !== '23503') return undefined;
  return String(detail ?? message);
}

/** PostgreSQL's refusal of text it cannot store (a NUL byte, bytes that are not UTF-8), as pg and PGlite report it. */
function unstorableText(error: object): boolean {
  const { code } = error as { code?: unknown };
  return code === '22021' || code === '22P05';
}

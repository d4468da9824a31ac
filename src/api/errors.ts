/** Every error as JSON: what was wrong, and the field at fault when there is one. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { ClaimLostError } from '../campaigns/attempts.js';
import { ConflictError, NotFoundError, UnreadableFileError } from '../storage/errors.js';
import { UnmigratedDatabaseError } from '../storage/migrate.js';

export interface ApiError {
  readonly error: string;
  readonly message: string;
  /** Dotted path of the field at fault, such as "pacing.abandonTarget" or "query.limit". */
  readonly field?: string;
}

export function sendError(reply: FastifyReply, status: number, body: ApiError) {
  return reply.code(status).send(body);
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0]!;
    const where = error.validationContext ?? 'body';
    const path = first.instancePath.split('/').filter(Boolean).join('.');
    const field = [where, path].filter(Boolean).join('.');
    return sendError(reply, 400, { error: 'validation', message: `${field}: ${first.message}`, field });
  }
  if (error instanceof ZodError) {
    const issue = error.issues[0]!;
    const field = issue.path.join('.');
    return sendError(reply, 400, { error: 'validation', message: `${field}: ${issue.message}`, field });
  }
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
    return sendError(reply, error.statusCode, { error: error.code ?? 'bad-request', message: error.message });
  }
  request.log.error({ err: error }, 'request failed');
  return sendError(reply, 500, { error: 'internal', message: 'the server failed; the error is in its log' });
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

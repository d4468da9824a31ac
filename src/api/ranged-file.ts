/**
 * A file served as a browser's audio element asks for it: the whole file, or
 * one byte range of it (206 with Content-Range), so that the player seeks
 * without fetching everything before. A Range the server cannot read, or one
 * past the end, is answered 416 with the file's length (RFC 9110 §14.4 and
 * §15.5.17): a client is told what it asked wrong rather than sent bytes it
 * did not ask for.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import parseRange from 'range-parser';
import { sendError } from './errors.js';

/** What a request gets of a file of `size` bytes: bytes start..end (inclusive), whole or a part, or a refusal with why. */
export type RangePlan =
  | { readonly kind: 'whole' | 'part'; readonly start: number; readonly end: number; readonly size: number }
  | { readonly kind: 'refused'; readonly why: string; readonly size: number };

/** The file's length, or a rejection saying why it cannot be read: asked before anything is sent. */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

export function planRange(size: number, range: string | undefined): RangePlan {
  if (range === undefined) return { kind: 'whole', start: 0, end: size - 1, size };
  const ranges = parseRange(size, range, { combine: true });
  if (ranges === -1) return { kind: 'refused', why: `the range "${range}" lies past the end of the file (${size} bytes)`, size };
  if (ranges === -2) return { kind: 'refused', why: `the range "${range}" cannot be read: ask for bytes=START-END, bytes=START- or bytes=-LAST`, size };
  if (ranges.type !== 'bytes' || ranges.length !== 1) return { kind: 'refused', why: `only one byte range is served at a time, not "${range}"`, size };
  return { kind: 'part', start: ranges[0]!.start, end: ranges[0]!.end, size };
}

/** Sends what the plan says: 200 with the file, 206 with the range, or 416 with the file's length. */
export async function sendPlanned(reply: FastifyReply, path: string, plan: RangePlan, contentType: string): Promise<FastifyReply> {
  reply.header('accept-ranges', 'bytes');
  if (plan.kind === 'refused') {
    reply.header('content-range', `bytes */${plan.size}`);
    return sendError(reply, 416, { error: 'range-not-satisfiable', message: plan.why, field: 'headers.range' });
  }
  reply.header('content-type', contentType).header('content-length', plan.end - plan.start + 1);
  if (plan.kind === 'part') reply.code(206).header('content-range', `bytes ${plan.start}-${plan.end}/${plan.size}`);
  // Larger reads than the 64 KiB default: a recording is read straight through, and the socket takes big writes.
  return reply.send(plan.size === 0 ? '' : createReadStream(path, { start: plan.start, end: plan.end, highWaterMark: 256 * 1024 }));
}

const AUDIO_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  wav16: 'audio/wav',
  gsm: 'audio/x-gsm',
  ulaw: 'audio/basic',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
};

/** The Content-Type of a recording in an Asterisk format. */
export function audioContentType(format: string | null): string {
  return (format && AUDIO_TYPES[format]) ?? 'application/octet-stream';
}

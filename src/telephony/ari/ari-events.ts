/**
 * The ARI events the adapter acts on, checked with zod at the edge: only the
 * fields it reads, so that what Asterisk adds in later versions passes.
 */
import { z } from 'zod';

const channel = z.object({ id: z.string(), state: z.string() });

export const ariEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Dial'), dialstatus: z.string(), peer: channel }),
  z.object({ type: z.literal('StasisStart'), args: z.array(z.string()), channel }),
  z.object({
    type: z.literal('ChannelDestroyed'),
    cause: z.number().int(),
    cause_txt: z.string(),
    tech_cause: z.number().int().optional(),
    channel,
  }),
  z.object({
    type: z.literal('RecordingFinished'),
    recording: z.object({ name: z.string(), format: z.string(), state: z.string(), duration: z.number().int().optional() }),
  }),
  // A recording that started and then could not go on (the file could not be written): `cause` says why.
  z.object({
    type: z.literal('RecordingFailed'),
    recording: z.object({ name: z.string(), state: z.string(), cause: z.string().optional() }),
  }),
  z.object({ type: z.literal('PlaybackFinished'), playback: z.object({ id: z.string(), state: z.string() }) }),
  z.object({ type: z.literal('ChannelTalkingStarted'), channel }),
  z.object({ type: z.literal('ChannelDtmfReceived'), digit: z.string(), channel }),
  z.object({ type: z.literal('ChannelHangupRequest'), channel }),
  z.object({ type: z.literal('ChannelTalkingFinished'), duration: z.number().int(), channel }),
  // Another WebSocket took the application over (a newer engine adopting this one's calls): nothing more of it comes here.
  z.object({ type: z.literal('ApplicationReplaced'), application: z.string() }),
  z.object({
    type: z.literal('EndpointStateChange'),
    endpoint: z.object({ technology: z.string(), resource: z.string(), state: z.string().optional() }),
  }),
]);

export type AriEvent = z.infer<typeof ariEventSchema>;
export type AriEventType = AriEvent['type'];
export const ARI_EVENT_TYPES: readonly AriEventType[] = ariEventSchema.options.map((o) => o.shape.type.value);

/**
 * How live state and statistics read in the API: camelCase names (the
 * counters and agent states are kebab-case inside, as the field names them in
 * storage and on the wire to the engine) and ISO 8601 times, never epoch
 * milliseconds, so that every answer of the API reads the same way.
 */
import type { AgentLiveState, CallInFlight, CampaignPacing, Counters, LiveEvent } from '../coordination/coordination.js';
import type { EpochMs } from '../domain/time.js';

/** 'live-answers' → 'liveAnswers', 'on-call' → 'onCall'. */
export function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export function camelKeys<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [camelCase(key), value]));
}

export function isoTime(at: EpochMs): string {
  return new Date(at).toISOString();
}

export function countersView(counters: Counters): Record<string, number> {
  return camelKeys(counters);
}

export function agentView(agent: AgentLiveState): Omit<AgentLiveState, 'since'> & { since: string } {
  return { ...agent, since: isoTime(agent.since) };
}

export function callView(call: CallInFlight): Omit<CallInFlight, 'since'> & { since: string } {
  return { ...call, since: isoTime(call.since) };
}

export function pacingView(pacing: CampaignPacing): Omit<CampaignPacing, 'at'> & { at: string } {
  return { ...pacing, at: isoTime(pacing.at) };
}

/** A live event as /live/events sends it. */
export function eventView(event: LiveEvent): Record<string, unknown> {
  switch (event.type) {
    case 'agent-state':
      return { ...event, agent: agentView(event.agent) };
    case 'call':
      return { ...event, call: callView(event.call) };
    case 'counter':
      return { ...event, counter: camelCase(event.counter) };
    case 'pacing':
      return { ...event, pacing: pacingView(event.pacing) };
    case 'supervision':
      return { ...event, supervision: { ...event.supervision, at: isoTime(event.supervision.at) } };
    case 'campaign':
      return { ...event, campaign: { ...event.campaign, at: isoTime(event.campaign.at) } };
    case 'call-ended':
      return event;
  }
}

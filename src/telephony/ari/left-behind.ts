/**
 * What an engine that was lost (killed, crashed) left in Asterisk: its
 * customers' channels, found by the OUTPACE_ATTEMPT variable every customer
 * channel carries, with the agent's leg a customer shares a bridge with; and
 * its agents' legs (OUTPACE_AGENT), found by the ARI application they were
 * made for (OUTPACE_APP). Asterisk lists these variables with each channel
 * when ari.conf names them in `channelvars` (the shipped ari.conf does): one
 * request a server. Without it, each channel is asked for each of its own,
 * four requests a channel: seconds for a server of a few hundred agents, on
 * the way to a takeover's first dial.
 */
import { AgentId, AttemptId } from '../../domain/ids.js';
import type { AriRest, ChannelSummary } from './ari-connection.js';
import type { RestGate } from './rest-gate.js';

/**
 * What outpace marks its channels with, for an engine taking over a lost
 * one's: ari.conf's `channelvars` should name them all (asterisk-config/ari.conf).
 */
export const OWNER_VARIABLES = ['OUTPACE_ATTEMPT', 'OUTPACE_AGENT', 'OUTPACE_APP', 'OUTPACE_ENGINE'] as const;
export type OwnerVariable = (typeof OWNER_VARIABLES)[number];

export interface LeftCustomer {
  readonly channelId: string;
  readonly channel: ChannelSummary;
  /** The agent's leg in the customer's bridge: the two were talking when the engine was lost. */
  readonly agent?: LeftLeg | undefined;
  /** The ARI application the call was made for: its events go there. */
  readonly app: string | undefined;
}

export interface LeftLeg {
  readonly agentId: AgentId;
  readonly channelId: string;
  /** The bridge the leg sits in, if any. */
  readonly bridgeId: string | undefined;
  /** The ARI application the leg was made for. */
  readonly app: string | undefined;
  /** The engine that made it. */
  readonly engine: string | undefined;
}

export interface LeftBehind {
  readonly customers: ReadonlyMap<AttemptId, LeftCustomer>;
  readonly legs: readonly LeftLeg[];
  /** Bridges with nobody in them. */
  readonly emptyBridges: readonly string[];
}

export async function findLeftBehind(gate: RestGate, rest: () => AriRest): Promise<LeftBehind> {
  const [channels, bridges] = await Promise.all([
    gate.run('list channels', () => rest().listChannels()),
    gate.run('list bridges', () => rest().listBridges()),
  ]);
  const bridgeOf = new Map<string, string>();
  const inBridge = new Map<string, readonly string[]>();
  for (const bridge of bridges) {
    inBridge.set(bridge.id, bridge.channels);
    for (const channelId of bridge.channels) bridgeOf.set(channelId, bridge.id);
  }
  const variable = (channel: ChannelSummary, name: OwnerVariable): string | undefined | Promise<string | undefined> =>
    name in channel.variables
      ? channel.variables[name] || undefined
      : gate.run('channel variable', () => rest().channelVar(channel.id, name)).catch(() => undefined);
  const found = await Promise.all(
    channels.map(async (channel) => {
      const [attempt, agent, app, engine] = await Promise.all(OWNER_VARIABLES.map((name) => variable(channel, name)));
      return { channel, attempt, agent, app, engine };
    }),
  );
  const legs: LeftLeg[] = found.flatMap(({ channel, agent, app, engine }) =>
    agent ? [{ agentId: AgentId(agent), channelId: channel.id, bridgeId: bridgeOf.get(channel.id), app, engine }] : [],
  );
  const legOn = new Map(legs.map((leg) => [leg.channelId, leg]));
  const customers = new Map<AttemptId, LeftCustomer>();
  for (const { channel, attempt, app } of found) {
    if (!attempt) continue;
    const bridgeId = bridgeOf.get(channel.id);
    const agent = (bridgeId ? (inBridge.get(bridgeId) ?? []) : []).map((id) => legOn.get(id)).find((leg) => leg !== undefined);
    customers.set(AttemptId(attempt), { channelId: channel.id, channel, agent, app });
  }
  const emptyBridges = bridges.filter((b) => b.channels.length === 0).map((b) => b.id);
  return { customers, legs, emptyBridges };
}

/**
 * The agents of one process across the campaigns it runs. An agent may work
 * several campaigns at once (blended); each campaign's engine keeps its own
 * view of them (state, idle time: the longest-idle rule is per campaign), and
 * the board holds what is true of the person: whether a call or an offered
 * lead holds them, and so whether any other campaign may give them one.
 * Reserving is one synchronous step, so two engines of one process can never
 * both give the same person a call. And only one campaign at a time dials for
 * a ready person (the one that gave them a call least recently): two pacers
 * each dialing for the same agent would make two live answers for one person,
 * the second abandoned, always in the campaign that dials later.
 *
 * The board is in-process only: two outpace processes running campaigns that
 * share an agent would each think the agent free. Run an agent's campaigns in
 * one process (docs/agents.md).
 *
 * It also tells, as one stream, each change of a person's state (the state
 * history, the agent's socket).
 */
import type { AgentId, AttemptId, CampaignId, LeadId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { AgentState } from '../pacing/snapshot.js';

/** What an engine reports of one agent in its campaign. */
export interface CampaignAgentChange {
  readonly agentId: AgentId;
  readonly campaignId: CampaignId;
  readonly to: AgentState;
  readonly at: EpochMs;
  /** The pause reason, "preview" for an offered lead, "wrap-up-timeout", ... */
  readonly reason?: string | undefined;
  readonly attemptId?: AttemptId | undefined;
  /** The lead offered (reserved for a preview). */
  readonly leadId?: LeadId | undefined;
  /** When the wrap-up lapses (wrap-up with a timeout). */
  readonly deadline?: EpochMs | undefined;
}

/** A change of the person's own state. */
export interface AgentStateChange extends Omit<CampaignAgentChange, 'campaignId'> {
  readonly from: AgentState;
  /** The call's campaign while reserved, on call or in wrap-up; the campaigns logged in to otherwise. */
  readonly campaigns: readonly CampaignId[];
}

const BUSY: ReadonlySet<AgentState> = new Set(['reserved', 'on-call', 'wrap-up']);

interface Person {
  /** The agent's state in each campaign they are logged in to. */
  readonly campaigns: Map<CampaignId, AgentState>;
  /** The campaign whose call or offered lead holds the person. */
  busyFor?: CampaignId;
  /** The order in which campaigns last reserved the person (a counter, not a time): the one that waited longest dials for them next. */
  readonly served: Map<CampaignId, number>;
  legUp: boolean;
  state: AgentState;
  /** The last change told: what a screen opened now must show. */
  last?: AgentStateChange;
}

export class AgentBoard {
  private readonly people = new Map<AgentId, Person>();
  /** The campaigns whose engines share the board; with one, nobody is ever busy elsewhere. */
  private readonly campaigns = new Map<CampaignId, number>();
  private reservations = 0;
  /** Campaigns with no lead at hand: the turn to dial for a ready person passes over them. */
  private readonly leadless = new Set<CampaignId>();
  private readonly changeListeners = new Set<(change: AgentStateChange) => void>();
  private readonly freedListeners = new Set<(agentId: AgentId, by: CampaignId, at: EpochMs) => void>();

  /** Every change of a person's state. */
  subscribe(listener: (change: AgentStateChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** An engine starts on the board; call the result when it stops. */
  attach(campaignId: CampaignId): () => void {
    this.campaigns.set(campaignId, (this.campaigns.get(campaignId) ?? 0) + 1);
    return () => {
      const engines = (this.campaigns.get(campaignId) ?? 1) - 1;
      if (engines > 0) this.campaigns.set(campaignId, engines);
      else this.campaigns.delete(campaignId);
    };
  }

  /** A person one campaign held is free again: the other campaigns may give them a call. */
  onFreed(listener: (agentId: AgentId, by: CampaignId, at: EpochMs) => void): () => void {
    this.freedListeners.add(listener);
    return () => this.freedListeners.delete(listener);
  }

  /**
   * An engine logs the agent in to its campaign. `bringUpLeg`: no campaign had
   * asked for the agent's leg yet, so this engine asks the PBX for it; `legUp`:
   * the leg is already up, the agent is ready here at once.
   */
  join(agentId: AgentId, campaignId: CampaignId): { bringUpLeg: boolean; legUp: boolean } {
    let person = this.people.get(agentId);
    const bringUpLeg = !person;
    if (!person) {
      person = { campaigns: new Map(), served: new Map(), legUp: false, state: 'logged-out' };
      this.people.set(agentId, person);
    }
    person.campaigns.set(campaignId, 'logged-out');
    return { bringUpLeg, legUp: person.legUp };
  }

  /** The agent's leg came up (the engines hear it from the port). */
  legUp(agentId: AgentId): void {
    const person = this.people.get(agentId);
    if (person) person.legUp = true;
  }

  /** The agent's leg was lost through no doing of theirs and is being brought back: a campaign joined meanwhile waits for it. */
  legDown(agentId: AgentId): void {
    const person = this.people.get(agentId);
    if (person) person.legUp = false;
  }

  /** The agent left the campaign; true when it was their last, so the leg is to be torn down. */
  leave(agentId: AgentId, campaignId: CampaignId): boolean {
    const person = this.people.get(agentId);
    if (!person) return false;
    person.campaigns.delete(campaignId);
    if (person.campaigns.size > 0) return false;
    this.people.delete(agentId);
    return true;
  }

  /** No other campaign's call or offer holds the agent. */
  isFree(agentId: AgentId, campaignId: CampaignId): boolean {
    // Asked for every agent on every pacing tick: a board of one campaign answers without looking.
    if (this.campaigns.size <= 1) return true;
    const busyFor = this.people.get(agentId)?.busyFor;
    return busyFor === undefined || busyFor === campaignId;
  }

  /** Takes the person for the campaign's call or offer; false if another campaign holds them. */
  reserve(agentId: AgentId, campaignId: CampaignId): boolean {
    const person = this.people.get(agentId);
    if (!person || !this.isFree(agentId, campaignId)) return false;
    person.busyFor = campaignId;
    person.served.set(campaignId, ++this.reservations);
    return true;
  }

  /** An engine says, at each tick, whether it has leads to dial. */
  hasLeads(campaignId: CampaignId, has: boolean): void {
    if (has) this.leadless.delete(campaignId);
    else this.leadless.add(campaignId);
  }

  /**
   * Whether this campaign is the one to dial for the ready person now: of the
   * campaigns where they are ready and that have leads, the one that reserved
   * them least recently (never first). Any campaign may still put a waiting
   * caller through to them.
   */
  pacesFor(agentId: AgentId, campaignId: CampaignId): boolean {
    if (this.campaigns.size <= 1) return true;
    const person = this.people.get(agentId);
    if (!person || person.busyFor !== undefined) return person?.busyFor === campaignId;
    let turn: CampaignId | undefined;
    let turnServed = Infinity;
    for (const [id, state] of person.campaigns) {
      const served = person.served.get(id) ?? 0;
      if (state === 'ready' && !this.leadless.has(id) && served < turnServed) [turn, turnServed] = [id, served];
    }
    return turn === undefined || turn === campaignId;
  }

  /** The agent's last change of state, while they are logged in to any campaign here. */
  current(agentId: AgentId): AgentStateChange | undefined {
    return this.people.get(agentId)?.last;
  }

  /** The agent's state in the campaign, if logged in to it. */
  stateIn(agentId: AgentId, campaignId: CampaignId): AgentState | undefined {
    return this.people.get(agentId)?.campaigns.get(campaignId);
  }

  /** An engine reports its agent's new state; the person's own state follows from all their campaigns. */
  changed(change: CampaignAgentChange): void {
    const person = this.people.get(change.agentId);
    if (!person) return;
    const { campaignId } = change;
    if (change.to === 'logged-out' && !person.campaigns.has(campaignId)) return;
    person.campaigns.set(campaignId, change.to);
    const freed = person.busyFor === campaignId && !BUSY.has(change.to);
    if (freed) person.busyFor = undefined;
    if (BUSY.has(change.to)) person.busyFor = campaignId;
    const from = person.state;
    person.state = personState(person);
    // A new offer or call is news even when the person's state stays reserved, and so is why they are out. Told only to listeners: this runs on every change.
    const news = person.state !== from || (person.busyFor === campaignId && BUSY.has(change.to)) || (person.state === 'logged-out' && change.reason !== undefined && change.reason !== person.last?.reason);
    if (this.changeListeners.size > 0 && news) {
      const campaigns = person.busyFor ? [person.busyFor] : [...person.campaigns.keys()];
      const { agentId, at, reason, attemptId, leadId, deadline } = change;
      person.last = { agentId, to: person.state, from, at, reason, attemptId, leadId, deadline, campaigns };
      for (const l of this.changeListeners) l(person.last);
    }
    if (freed) for (const l of this.freedListeners) l(change.agentId, campaignId, change.at);
  }
}

function personState(person: Person): AgentState {
  if (person.busyFor) return person.campaigns.get(person.busyFor) ?? 'logged-out';
  let paused = false;
  for (const state of person.campaigns.values()) {
    if (state === 'ready') return 'ready';
    paused ||= state === 'paused';
  }
  return paused ? 'paused' : 'logged-out';
}

/**
 * What several engine processes and the API share through Redis: who owns
 * each campaign (a lease with a fencing token), and the live state the
 * wallboard shows (agent states, calls in flight, today's counters), published
 * as events; the lines and call starts each trunk of each Asterisk server
 * carries for every engine together. memory.ts serves a single engine when
 * there is no Redis.
 */
import type { CampaignState } from '../campaigns/campaign.js';
import type { AgentId, AttemptId, CampaignId } from '../domain/ids.js';
import type { DialMode } from '../pacing/settings.js';
import type { PauseReason } from '../domain/outcomes.js';
import type { SupervisionEnd, SupervisionMode, SupervisionRequest } from '../telephony/port.js';
import type { DurationMs, EpochMs } from '../domain/time.js';

/**
 * A fencing token grows every time a campaign changes owner. An engine checks
 * its token before acting: an engine that stalled past its lease finds its
 * token stale and stops, even if it has not noticed it lost the lease.
 */
export type FencingToken = number;

export interface CampaignOwnership {
  /** Takes or keeps the campaign: its fencing token, or null while another engine holds it. */
  acquire(campaignId: CampaignId, engineId: string, ttl: DurationMs): Promise<FencingToken | null>;
  /** Extends the lease; false if it lapsed or passed to another engine. */
  renew(campaignId: CampaignId, engineId: string, token: FencingToken, ttl: DurationMs): Promise<boolean>;
  /** Gives the campaign up at once (pause, shutdown), so another engine need not wait for the lease. */
  release(campaignId: CampaignId, engineId: string, token: FencingToken): Promise<boolean>;
  /** Whether the token is still the owner's: check before every action on the campaign. */
  isCurrent(campaignId: CampaignId, token: FencingToken): Promise<boolean>;
  owner(campaignId: CampaignId): Promise<{ engineId: string; token: FencingToken } | null>;
}

export const AGENT_STATES = ['logged-out', 'ready', 'reserved', 'on-call', 'wrap-up', 'paused'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export interface AgentLiveState {
  readonly state: AgentState;
  readonly since: EpochMs;
  readonly campaignId: CampaignId | null;
}

export const CALL_PHASES = ['dialing', 'ringing', 'answered', 'connected'] as const;
export interface CallInFlight {
  readonly attemptId: AttemptId;
  readonly campaignId: CampaignId;
  readonly phase: (typeof CALL_PHASES)[number];
  readonly since: EpochMs;
  readonly agentId: AgentId | null;
}

/** Today's counters; a broadcast also counts the keys its callers pressed, its handovers to agents (key 1), its opt-outs (key 9) and the callbacks it promised when no agent was free. */
export const LIVE_COUNTERS = ['dials', 'answers', 'live-answers', 'connects', 'abandons', 'machines', 'keys-pressed', 'handovers', 'opt-outs', 'callbacks'] as const;
export type LiveCounter = (typeof LIVE_COUNTERS)[number];
export type Counters = Record<LiveCounter, number>;

/**
 * A campaign engine's last pacing decision as the supervisor sees it: how
 * many calls it launched against what the policy wanted and the limit that
 * cut it, the expectations it weighed, the abandon rates it steered by.
 * Expectations a mode does not model are null.
 */
export interface CampaignPacing {
  readonly at: EpochMs;
  readonly policy: string;
  readonly dials: number;
  readonly proposed: number;
  readonly limitedBy: string | null;
  readonly dialLevel: number;
  readonly expectedFreeAgents: number | null;
  readonly expectedLiveAnswers: number | null;
  readonly expectedAbandons: number | null;
  /** Over the regulatory window, as the profile counts it. */
  readonly abandonRate: number;
  readonly abandonRateLastHour: number;
  /** Estimated people hung up on as machines, in the window, where the profile counts them as abandoned. */
  readonly detectionFalsePositives: number | null;
  readonly leadsAvailable: number;
  readonly activeAgents: number;
}

/** What a supervisor asks of the engine that holds an agent; every engine process hears it, the one holding the agent acts. */
export type SupervisorCommand =
  | { readonly type: 'pause-agent'; readonly agentId: AgentId; readonly reason: PauseReason; readonly by: string }
  | { readonly type: 'log-out-agent'; readonly agentId: AgentId; readonly by: string }
  /** Listen to, whisper to or barge into the agent's call from the supervisor's softphone (TelephonyPort.supervise). */
  | { readonly type: 'supervise'; readonly request: SupervisionRequest; readonly by: string }
  | { readonly type: 'end-supervision'; readonly sessionId: string; readonly by: string };

/** A supervisor's listen, whisper or barge as it starts and ends (TelephonyPort's supervision events). */
export interface SupervisionNews {
  readonly sessionId: string;
  readonly agentId: AgentId;
  readonly state: 'started' | 'ended';
  readonly mode?: SupervisionMode | undefined;
  readonly why?: SupervisionEnd | undefined;
  readonly at: EpochMs;
}

/**
 * A campaign started, paused or stopped, or its dial mode or abandon target
 * changed, by whoever did it (a supervisor's page, the API): every open
 * page follows it without a reload.
 */
export interface CampaignNews {
  readonly campaignId: CampaignId;
  readonly state: CampaignState;
  readonly mode: DialMode;
  readonly abandonTarget: number;
  readonly by: string;
  readonly at: EpochMs;
}

export type LiveEvent =
  | { readonly type: 'campaign'; readonly campaign: CampaignNews }
  | { readonly type: 'pacing'; readonly campaignId: CampaignId; readonly pacing: CampaignPacing }
  | { readonly type: 'supervision'; readonly supervision: SupervisionNews }
  | { readonly type: 'agent-state'; readonly agentId: AgentId; readonly agent: AgentLiveState }
  | { readonly type: 'call'; readonly call: CallInFlight }
  | { readonly type: 'call-ended'; readonly campaignId: CampaignId; readonly attemptId: AttemptId }
  | { readonly type: 'counter'; readonly campaignId: CampaignId; readonly counter: LiveCounter; readonly value: number };

export interface LiveState {
  setAgentState(agentId: AgentId, agent: AgentLiveState): Promise<void>;
  agentStates(): Promise<Record<string, AgentLiveState>>;
  /** Records or updates a call in flight. */
  trackCall(call: CallInFlight): Promise<void>;
  callEnded(campaignId: CampaignId, attemptId: AttemptId): Promise<void>;
  callsInFlight(campaignId: CampaignId): Promise<CallInFlight[]>;
  /** Adds to one of the campaign's counters for the UTC day of `at`; returns the new value. */
  count(campaignId: CampaignId, counter: LiveCounter, at: EpochMs, by?: number): Promise<number>;
  counters(campaignId: CampaignId, at: EpochMs): Promise<Counters>;
  /** The campaign engine's last pacing decision. */
  setPacing(campaignId: CampaignId, pacing: CampaignPacing): Promise<void>;
  pacing(campaignId: CampaignId): Promise<CampaignPacing | null>;
  /** Says on the wallboard's events that a supervision started or ended (nothing is kept). */
  supervisionNews(news: SupervisionNews): Promise<void>;
  /** Says on the wallboard's events that a campaign's state, mode or abandon target changed (storage keeps it). */
  campaignNews(news: CampaignNews): Promise<void>;
  /** Every change above, as it happens; returns the unsubscribe. */
  subscribe(listener: (event: LiveEvent) => void): Promise<() => Promise<void>>;
  /** A supervisor's command, to every engine process (not part of the wallboard's events). */
  sendCommand(command: SupervisorCommand): Promise<void>;
  onCommand(listener: (command: SupervisorCommand) => void): Promise<() => Promise<void>>;
}

/**
 * One trunk of one Asterisk server, as every engine names it: the server's
 * name in OUTPACE_SERVERS (SINGLE_SERVER_NAME with ARI_URL) and the trunk's id.
 * Engines that name it alike share its limits.
 */
export interface SharedTrunkId {
  readonly server: string;
  readonly trunk: string;
}

/** The name of the one Asterisk server of engines set up with ARI_URL: engines sharing a Redis prefix share its trunks. */
export const SINGLE_SERVER_NAME = 'default';

/** A trunk's limits as every engine counts them together. */
export interface TrunkLimits {
  readonly maxLines: number;
  /** Call starts allowed within any `windowMs` (TrunkLimiter's sliding window). */
  readonly startsPerWindow: number;
  readonly windowMs: DurationMs;
}

export type SeizeOutcome = 'seized' | 'lines-full' | 'starts-full';

/** What the other engines use of a trunk: lines held now, calls started within the window. */
export interface OthersOnTrunk {
  readonly lines: number;
  readonly starts: number;
}

/**
 * Lines and call starts of each trunk, counted over every engine. Each engine
 * holds its lines under a hold that lapses unless renewed (`hold`): the lines
 * of an engine that died come back to the others within `holdMs`, with no one's
 * help. The engine's own count is the truth (`hold` sets it): a release lost
 * while the service was away is corrected at the next renewal.
 */
export interface TrunkLines {
  /** Takes a line and a call start for the engine if the trunk's limits, over every engine, allow it now; atomic. Else the limit that refused. */
  seize(trunk: SharedTrunkId, engineId: string, limits: TrunkLimits, holdMs: DurationMs): Promise<{ readonly seized: SeizeOutcome; readonly others: OthersOnTrunk }>;
  /** A call that held a line ended. */
  release(trunk: SharedTrunkId, engineId: string): Promise<void>;
  /** The engine is alive and holds `lines` of the trunk, for `holdMs` more; what the others use in return. */
  hold(trunk: SharedTrunkId, engineId: string, lines: number, limits: TrunkLimits, holdMs: DurationMs): Promise<OthersOnTrunk>;
}

/** Whether the coordination service answers now; when not, why, as the last error said. */
export type CoordinationHealth = { readonly reachable: true } | { readonly reachable: false; readonly problem: string };

export interface Coordination {
  readonly ownership: CampaignOwnership;
  readonly live: LiveState;
  readonly trunks: TrunkLines;
  /** For the health check: the in-process coordination is always reachable. */
  health(): CoordinationHealth;
  close(): Promise<void>;
}

export function zeroCounters(): Counters {
  return Object.fromEntries(LIVE_COUNTERS.map((c) => [c, 0])) as Counters;
}

/** The UTC day a counter belongs to, such as 2026-11-23. */
export function counterDay(at: EpochMs): string {
  return new Date(at).toISOString().slice(0, 10);
}

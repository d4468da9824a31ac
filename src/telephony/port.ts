/**
 * The telephony port: everything the engine asks of a PBX and everything it
 * hears back. The ARI adapter (real Asterisk) and the simulator both implement
 * it; nothing above this interface knows which one runs.
 *
 * Commands are fire-and-forget: their results arrive as events, including
 * their failures (an originate that Asterisk rejects becomes a `call.failed`
 * event with outcome `failed`), so that the engine has one path for every
 * outcome and never waits on the network inside its pacing loop.
 *
 * A call is named by its AttemptId from originate to end; the adapter keeps
 * the mapping to its own channel ids.
 */
import type { AgentId, AttemptId, CampaignId, E164, LeadId, TrunkId } from '../domain/ids.js';
import type { AnsweredParty, FailedOutcome, HangupCause } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';

/** A prompt or spoken value, in ARI playback media form: `sound:outpace/abandon`, `number:128`, `digits:42`. */
export type MediaUri = string;

/**
 * Which recordings an answered call gets (the campaign's `recording`): `all`,
 * the customer's and the agent's legs and the mix of both; `agent-legs`, the
 * agent's leg only (what the customer heard: the agent, for QA, without the
 * customer's voice); `none`. Made from the answer where the call goes through
 * the dialplan, from the connect where it is dialed into the application.
 */
export const RECORDING_POLICIES = ['all', 'none', 'agent-legs'] as const;
export type RecordingPolicy = (typeof RECORDING_POLICIES)[number];

export interface OriginateRequest {
  readonly attemptId: AttemptId;
  readonly campaignId: CampaignId;
  readonly leadId: LeadId;
  readonly number: E164;
  readonly callerId: string;
  readonly trunk: TrunkId;
  /** How long the customer's phone may ring before the call counts as no answer (US rules: at least 15 s). */
  readonly ringTimeoutSec: number;
  /** Run answering-machine detection after answer; `call.answered` then says who answered. */
  readonly machineDetection: boolean;
  /** The recordings the call gets; default `all`. */
  readonly recording?: RecordingPolicy;
}

/** Where a transfer, a consultation or a conference goes: a number outside, or another agent (on their own leg). */
export type ControlTarget = { readonly number: E164 } | { readonly agentId: AgentId };

/**
 * What the agent on a call asks of it (docs/agents.md, "Call controls"):
 * hang up the customer (the agent stays on their leg); hold (the customer
 * hears music) and resume; mute the agent's voice and unmute it; send DTMF
 * to the customer's side (an IVR there); a blind transfer; a warm transfer
 * (consult the target while the customer is on hold, then complete or
 * cancel); a three-way conference with a number outside.
 */
export type CallControl =
  | { readonly kind: 'hangup' }
  | { readonly kind: 'hold' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'mute' }
  | { readonly kind: 'unmute' }
  | { readonly kind: 'dtmf'; readonly digits: string }
  | { readonly kind: 'transfer'; readonly to: ControlTarget }
  | { readonly kind: 'consult'; readonly to: ControlTarget }
  | { readonly kind: 'complete' }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'conference'; readonly to: { readonly number: E164 } };
export type CallControlKind = CallControl['kind'];

/** How a call's end was brought about. */
export type EndedBy = 'customer' | 'agent' | 'system';

export type TelephonyEvent =
  | { readonly type: 'call.ringing'; readonly attemptId: AttemptId; readonly at: EpochMs }
  | {
      readonly type: 'call.answered';
      readonly attemptId: AttemptId;
      /** When the engine learned who answered: the answer itself, or the end of the greeting when machine detection ran. */
      readonly at: EpochMs;
      /** When the far end answered. */
      readonly answeredAt: EpochMs;
      readonly party: AnsweredParty;
      /** Machine detection's verdict as the PBX gave it (AMDSTATUS, AMDCAUSE), when it ran. */
      readonly detection?: { readonly status: string; readonly cause: string };
      /**
       * When the called person completed their greeting, when machine detection heard its end (before `at`,
       * by the silence it waited for): where the connect deadline starts with `connectDeadlineFrom: greeting-end`.
       */
      readonly greetingEndedAt?: EpochMs;
      /** Answered while the engine was not heard, so that the PBX played the abandon message itself: `call.ended` follows at once. */
      readonly abandonedByPbx?: true;
    }
  | {
      readonly type: 'call.failed';
      readonly attemptId: AttemptId;
      readonly at: EpochMs;
      readonly outcome: FailedOutcome;
      readonly cause: HangupCause;
      /** For `failed` caused by the PBX refusing the command: what it said. */
      readonly detail?: string;
      /**
       * Not placed: the server's trunk already carried its limit over every engine when its line was asked for (a
       * race between engines: the pacing sees the others' lines). The port over several servers tries another.
       */
      readonly trunkFull?: true;
    }
  | { readonly type: 'call.connected'; readonly attemptId: AttemptId; readonly agentId: AgentId; readonly at: EpochMs }
  /**
   * The connect to `agentId` failed and the person is still there, waiting (a crossing to the agent's PBX was refused or not
   * answered in time: `why`): the agent is free again, and the call waits for an agent within its deadline as before.
   */
  | { readonly type: 'call.not-connected'; readonly attemptId: AttemptId; readonly agentId: AgentId; readonly at: EpochMs; readonly why: string }
  | {
      readonly type: 'call.ended';
      readonly attemptId: AttemptId;
      readonly at: EpochMs;
      readonly endedBy: EndedBy;
      readonly cause: HangupCause;
    }
  | { readonly type: 'recording.finished'; readonly attemptId: AttemptId; readonly at: EpochMs; readonly recording: RecordingInfo }
  /** A recording the policy asked for could not be made, even on a second try: what Asterisk said. */
  | { readonly type: 'recording.failed'; readonly attemptId: AttemptId; readonly at: EpochMs; readonly recording: RecordingFailure }
  /**
   * A call control was carried out (or could not be: `failed` says why, and
   * the customer is back with the agent, off hold). `target`: where a
   * transfer, consultation, completion or conference went. A transfer or a
   * completion to another agent leaves the call with that agent from `at`.
   */
  | {
      readonly type: 'call.control';
      readonly attemptId: AttemptId;
      readonly agentId: AgentId;
      readonly control: CallControl;
      readonly target?: ControlTarget;
      readonly at: EpochMs;
      readonly failed?: string;
    }
  /** The agent's persistent leg is up (or, rung per call, the agent's endpoint is reachable): the agent can be given calls. */
  | { readonly type: 'agent.leg-up'; readonly agentId: AgentId; readonly at: EpochMs }
  /**
   * The agent's leg dropped (softphone gone, network), or an agent rung per call did not answer: the agent must leave ready at once.
   * `returning`: lost through no doing of the agent's (Asterisk restarted, the softphone unregistered, the PBX it is on out of
   * reach); the agent stays logged in, and the port brings the leg back once it can (rings the softphone again, or finds the leg
   * still up on a PBX that is back): `agent.leg-up` follows then, or a final `agent.leg-down` if
   * nobody answers it.
   */
  | { readonly type: 'agent.leg-down'; readonly agentId: AgentId; readonly at: EpochMs; readonly cause: HangupCause; readonly returning?: true }
  /** The trunk cannot carry calls (the PBX finds its carrier unreachable: qualify unanswered): its lines are not to be counted until `trunk.up`. */
  | { readonly type: 'trunk.down'; readonly trunk: TrunkId; readonly at: EpochMs; readonly why: string }
  | { readonly type: 'trunk.up'; readonly trunk: TrunkId; readonly at: EpochMs }
  /** The supervisor answered and hears the agent's call as the mode says. */
  | { readonly type: 'supervision.started'; readonly sessionId: string; readonly agentId: AgentId; readonly attemptId: AttemptId; readonly mode: SupervisionMode; readonly at: EpochMs }
  /** The supervision is over: the supervisor's channel and whatever joined it to the call are gone. `detail` says what could not be done. */
  | { readonly type: 'supervision.ended'; readonly sessionId: string; readonly agentId: AgentId; readonly at: EpochMs; readonly why: SupervisionEnd; readonly detail?: string };

export type RecordingLeg = 'customer' | 'agent' | 'mixed';

/**
 * How a supervisor joins an agent's call: `listen` hears both parties and
 * is heard by nobody; `whisper` hears both and is heard by the agent alone
 * (coaching); `barge` joins the call, heard by both.
 */
export const SUPERVISION_MODES = ['listen', 'whisper', 'barge'] as const;
export type SupervisionMode = (typeof SUPERVISION_MODES)[number];

export interface SupervisionRequest {
  /** Names the session from the request to its end. */
  readonly sessionId: string;
  readonly agentId: AgentId;
  /** The supervisor's softphone, rung into the call: `PJSIP/sup1`. */
  readonly endpoint: string;
  readonly mode: SupervisionMode;
}

/** Why a supervision ended. */
export type SupervisionEnd = 'supervisor-hung-up' | 'call-ended' | 'ended-by-request' | 'not-possible';

export interface RecordingInfo {
  readonly name: string;
  readonly leg: RecordingLeg;
  readonly startedAt: EpochMs;
  readonly durationSec: number;
  /** The file's format as the PBX names it (`wav`, `gsm`); absent: `wav`. */
  readonly format?: string;
  /**
   * Where the PBX wrote the file, when not in its recordings folder as
   * `<name>.<format>` (ARI's stored recordings): MixMonitor writes to the path it is given.
   */
  readonly path?: string;
  /** The Asterisk server that made it, when outpace drives several (its name in OUTPACE_SERVERS): its file is there. */
  readonly pbxServer?: string;
}

export interface RecordingFailure {
  readonly name: string;
  readonly leg: RecordingLeg;
  readonly why: string;
}

export type TelephonyListener = (event: TelephonyEvent) => void;

/**
 * Where a call made by an engine that was lost stands on the PBX, once taken
 * over (TelephonyPort.adoptCalls): its events are reported from then on as
 * for the engine's own calls.
 */
export type LeftCall =
  /** Not answered yet: `call.answered` or `call.failed` follows. */
  | { readonly phase: 'ringing' }
  /** Answered, machine detection still listening: `call.answered` follows. */
  | { readonly phase: 'detecting' }
  /** Answered, and waiting in silence with nobody. */
  | { readonly phase: 'answered' }
  /** Talking with an agent; `call.ended` follows, and the agent's `agent.leg-up` comes at their next login. */
  | { readonly phase: 'connected'; readonly agentId: AgentId }
  /** Gone, but answered while no engine listened: the PBX played the abandon message itself and hung up, at `at`. */
  | { readonly phase: 'abandoned-by-pbx'; readonly at: EpochMs };

/** What a trunk can carry now, over every PBX that serves it (TelephonyPort.trunkCapacity). */
export interface TrunkCapacity {
  readonly linesFree: number;
  readonly callsAllowedNow: number;
}

export interface TelephonyPort {
  /** Dial a customer. Exactly one of `call.answered` or `call.failed` follows, unless the engine hangs up first. */
  originate(request: OriginateRequest): void;
  /**
   * Put an answered customer through to an agent whose leg is up. `call.connected` follows, or `call.ended` if the customer
   * left first, or `call.not-connected` when a connect that takes a call set-up (across PBXs) could not be made by `deadlineAt`.
   */
  connectToAgent(attemptId: AttemptId, agentId: AgentId, deadlineAt?: EpochMs): void;
  /** No agent within the connect deadline: play the campaign's abandon message, then hang up (`call.ended`, endedBy `system`). */
  abandon(attemptId: AttemptId, message: MediaUri): void;
  /** Leave a message on an answering machine (after the beep), then hang up. */
  leaveMessage(attemptId: AttemptId, message: readonly MediaUri[]): void;
  /**
   * Carry out a control on a call put through to `agentId`, already checked
   * by the engine (call-controls.ts); `call.control` follows, in the order
   * asked. For a target agent, their leg must be up and free. A port that
   * carries no agent calls (the broadcast simulator) has none.
   */
  control?(attemptId: AttemptId, agentId: AgentId, control: CallControl): void;
  /** Hang up a call in any state. `call.ended` follows. */
  hangup(attemptId: AttemptId): void;
  /** Bring up an agent's persistent ("nailed-up") leg, or check the endpoint of an agent rung per call; `agent.leg-up` or `agent.leg-down` follows. */
  loginAgent(agentId: AgentId, endpoint: string): void;
  /** Tear down the agent's leg. */
  logoutAgent(agentId: AgentId): void;
  subscribe(listener: TelephonyListener): () => void;
  /**
   * Whether the answered call, ready for an agent for `waitedMs`, can be put
   * through to the agent. A port over several PBXs (src/telephony/servers/)
   * puts a customer through to an agent on the PBX the call is on, and to
   * one on another PBX only as its setting allows (after a wait, or never);
   * a port without it reaches every agent.
   */
  canMeet?(attemptId: AttemptId, agentId: AgentId, waitedMs: number): boolean;
  /**
   * How long a waiting call must wait before canMeet lets it meet more agents (a crossing to another PBX), when it does: the
   * engine routes the waiting calls again at that moment of each one's wait, as no other event would.
   */
  readonly meetsMoreAfterMs?: number;
  /**
   * The lines and call starts the trunk has now on the PBXs that are up,
   * less what the other engines dialing on them hold, when the port knows
   * them (undefined: a trunk it sets no limits for): the campaign paces
   * within it as well as within its own trunk settings.
   */
  trunkCapacity?(trunk: TrunkId, now: EpochMs): TrunkCapacity | undefined;
  /**
   * Takes over the calls of an engine that was lost, as they were dialed:
   * the answer names each one the PBX still holds (or that it abandoned
   * itself); the others ended unheard.
   * A port whose calls cannot outlive the engine (the simulator) has none.
   */
  adoptCalls?(calls: readonly OriginateRequest[]): Promise<ReadonlyMap<AttemptId, LeftCall>>;
  /**
   * Rings the supervisor's softphone and, once answered, joins it to the
   * agent's current call as the mode says; `supervision.started` follows, and
   * `supervision.ended` when the supervisor or the call hangs up (or at once,
   * `not-possible`, when the agent is on no call). A PBX that cannot (the
   * simulator) has none.
   */
  supervise?(request: SupervisionRequest): void;
  /** Ends a supervision: the supervisor's channel is hung up; `supervision.ended` follows. */
  endSupervision?(sessionId: string): void;
}

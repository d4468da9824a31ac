/**
 * The agent's real-time API: one WebSocket per agent at /api/v1/agent,
 * authenticated with the agent's API key ("Authorization: Bearer KEY") or,
 * from a browser, which cannot set that header, with a one-time ticket the
 * key bought (`?ticket=`, see agent-tickets.ts).
 * The agent logs in with their softphone's endpoint to one or more campaigns,
 * pauses and resumes, dials or skips the leads offered in preview mode, dials
 * by hand within the campaign's rules, and ends each wrap-up with a
 * disposition (perhaps a callback); outpace sends the agent's state on each
 * change, the lead offered, a screen pop with the lead's data when a call is
 * put through (with the campaign's script), and the wrap-up's deadline; the
 * agent's answers to the script and corrections of the customer's data are
 * stored with the call (call-work.ts). What the agent says goes to the
 * engines through the desk; what the engines do reaches the agent from the
 * agent board and the telephony port's events. The protocol: docs/agents.md.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { CallWork, leadCorrectMessage, scriptAnswersMessage } from '../agents/call-work.js';
import type { DeskHub } from '../agents/desk-hub.js';
import { campaignScriptFor, scriptForCall, type AgentScript } from '../agents/scripts/attempt-answers.js';
import type { LeadView } from '../agents/scripts/render.js';
import type { AgentBoard, AgentStateChange } from '../agents/agent-board.js';
import { assignedCampaigns } from '../campaigns/agents.js';
import { getCampaign } from '../campaigns/campaign-store.js';
import { claimManualDial } from '../campaigns/dialing/manual-dial.js';
import { AgentId, AttemptId, CampaignId, LeadId } from '../domain/ids.js';
import { SECOND } from '../domain/time.js';
import { WRAP_UP_TIMEOUT_DISPOSITION } from '../engine/campaign-engine.js';
import type { Clock } from '../engine/scheduler.js';
import type { Db } from '../storage/db.js';
import type { CallControl, TelephonyEvent, TelephonyListener } from '../telephony/port.js';
import { checkTransferNumber } from '../campaigns/dialing/transfer-number.js';
import { deskCard, leadZones } from '../agents/desk-card.js';
import { CALL_UNTOUCHED, controlFailed, decideControl, type CallControlState } from '../agents/call-controls.js';
import { effectiveRules } from '../campaigns/compliance.js';
import { windowAt } from '../campaigns/local-window.js';
import { redeemTicket } from './agent-tickets.js';
import { PAUSE_REASONS } from '../domain/outcomes.js';
import { findKeyHolder } from './keys.js';
import { API_PREFIX } from './server.js';

export const AGENT_SOCKET_PATH = `${API_PREFIX}/agent`;

const target = z.union([
  z.object({ number: z.string().min(3).max(40) }).strict(),
  z.object({ agentId: z.string().min(1).max(200) }).strict(),
]);

/** A control on the call in hand (docs/agents.md, "Call controls"). */
export const callControlSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hangup') }),
  z.object({ kind: z.literal('hold') }),
  z.object({ kind: z.literal('resume') }),
  z.object({ kind: z.literal('mute') }),
  z.object({ kind: z.literal('unmute') }),
  z.object({ kind: z.literal('dtmf'), digits: z.string().regex(/^[0-9*#A-D]{1,32}$/, 'digits 0-9, *, #, A-D, at most 32') }),
  z.object({ kind: z.literal('transfer'), to: target }),
  z.object({ kind: z.literal('consult'), to: target }),
  z.object({ kind: z.literal('complete') }),
  z.object({ kind: z.literal('cancel') }),
  z.object({ kind: z.literal('conference'), to: z.object({ number: z.string().min(3).max(40) }).strict() }),
]);
type CallControlMessage = z.infer<typeof callControlSchema>;

/** What an agent may send; anything else is answered with an error and ignored. */
export const agentMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('login'),
    endpoint: z.string().min(1, 'the softphone endpoint, such as PJSIP/alice'),
    /** Campaign ids; absent: every campaign the agent is assigned to. */
    campaigns: z.array(z.uuid()).min(1).max(100).optional(),
  }),
  z.object({ type: z.literal('pause'), reason: z.enum(PAUSE_REASONS) }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('logout') }),
  z.object({
    type: z.literal('disposition'),
    attemptId: z.uuid(),
    code: z.string().min(1),
    callback: z.object({ at: z.iso.datetime({ offset: true }), for: z.enum(['me', 'anyone']) }).optional(),
    /** The agent's notes on the call, stored with the attempt. */
    note: z.string().max(4000).optional(),
  }),
  z.object({ type: z.literal('preview.dial'), leadId: z.uuid() }),
  z.object({ type: z.literal('preview.skip'), leadId: z.uuid() }),
  z.object({ type: z.literal('manual.dial'), phone: z.string().min(3).max(40), campaignId: z.uuid() }),
  z.object({ type: z.literal('call.control'), attemptId: z.uuid(), control: callControlSchema }),
  scriptAnswersMessage,
  leadCorrectMessage,
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

export interface AgentSocketsOptions {
  readonly db: Db;
  readonly desk: DeskHub;
  readonly clock: Clock;
  /** Where calls put through to agents are heard: the telephony port's subscribe. */
  readonly subscribeCalls: (listener: TelephonyListener) => () => void;
  /** The agents of the engines this process runs: where agents' states, offers and wrap-ups are heard. */
  readonly board?: AgentBoard;
  /** The engine process that claims the leads agents dial by hand (needs `board`). */
  readonly engineId?: string;
  /** How fast `clock` runs against the wall clock (the demo's --speed): the page moves its server clock on at this rate. */
  readonly clockRate?: number;
  /**
   * Whether this process runs the campaign now (default: every campaign). A
   * login to one another engine runs, or one this engine stands by for, is
   * refused with what to do: it would reach no engine.
   */
  readonly runsCampaign?: (campaignId: CampaignId) => boolean;
  /** The engine holding the campaign's lease, if any: named in that refusal, so the page reconnects to it. */
  readonly campaignRunBy?: (campaignId: CampaignId) => Promise<string | undefined>;
}

/** How long a hand-dialed lead's claim holds: the engine dials it at once. */
const MANUAL_DIAL_LEASE_MS = 30 * SECOND;

/** A request outpace refuses under one of the campaign's rules, named in the error. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly rule: string,
    /** The engine that runs the campaign instead of this one: the page reconnects to it (docs/scaling.md, "Agents find the engine"). */
    readonly runBy?: string,
  ) {
    super(message);
  }
}

/** A lead with its campaign: the screen pop's and the preview's card. */
const LEAD_CARD = `SELECT l.id AS lead_id, l.phone, l.custom_fields, c.id AS campaign_id, c.name AS campaign_name
  FROM leads l JOIN campaigns c ON c.id = l.campaign_id`;

interface LeadCardRow {
  lead_id: string;
  phone: string;
  custom_fields: Record<string, unknown>;
  campaign_id: string;
  campaign_name: string;
}

export class AgentSockets {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<AgentId, WebSocket>();
  /** The call each agent was last put through to: the one their disposition is for. */
  private readonly lastCall = new Map<AgentId, AttemptId>();
  /** The lead each agent is offered in preview mode: the one their dial or skip is for. */
  private readonly offered = new Map<AgentId, LeadId>();
  /** Where each call in hand stands (hold, mute, a consultation), as the PBX carried the controls out: a reopened page is told. */
  private readonly controlled = new Map<AttemptId, CallControlState>();
  /** The call whose wrap-up the campaign's timeout ended: too late for the agent's disposition. */
  private readonly lapsed = new Map<AgentId, AttemptId>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly callWork: CallWork;

  constructor(private readonly o: AgentSocketsOptions) {
    this.callWork = new CallWork({ db: o.db, clock: o.clock, callOf: (agentId) => this.lastCall.get(agentId) });
    this.unsubscribe.push(
      o.subscribeCalls((e) => {
        if (e.type === 'call.control') return this.controlDone(e);
        if (e.type === 'call.ended') return void this.controlled.delete(e.attemptId);
        if (e.type !== 'call.connected') return;
        this.lastCall.set(e.agentId, e.attemptId);
        void this.screenPop(e.agentId, e.attemptId);
      }),
    );
    if (o.board) this.unsubscribe.push(o.board.subscribe((change) => this.stateChanged(change)));
  }

  /** Serves the agent socket on the API's HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(request.url ?? '/', 'http://x').pathname !== AGENT_SOCKET_PATH) return;
      void this.authenticate(request).then(
        (agentId) => {
          if (!agentId) {
            socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
            return;
          }
          this.wss.handleUpgrade(request, socket, head, (ws) => this.connected(agentId, ws));
        },
        // Storage out of reach: the key cannot be checked now; the agent's page tries again.
        () => socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n'),
      );
    });
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    for (const ws of this.sockets.values()) ws.close(1001, 'outpace is shutting down');
    this.wss.close();
  }

  /** Only an agent's key, or a ticket it bought, opens the agent socket, and it speaks for that agent only. */
  private async authenticate(request: IncomingMessage): Promise<AgentId | undefined> {
    const ticket = new URL(request.url ?? '/', 'http://x').searchParams.get('ticket');
    if (ticket) return redeemTicket(this.o.db, ticket, this.o.clock.now());
    const key = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const holder = key ? await findKeyHolder(this.o.db, key) : undefined;
    return holder?.role === 'agent' && holder.agentId ? holder.agentId : undefined;
  }

  private connected(agentId: AgentId, ws: WebSocket): void {
    // A second tab replaces the first: one agent, one desk.
    this.sockets.get(agentId)?.close(4000, 'replaced by a newer connection');
    this.sockets.set(agentId, ws);
    ws.on('close', () => this.sockets.get(agentId) === ws && this.sockets.delete(agentId));
    let turn: Promise<unknown> = Promise.resolve();
    ws.on('message', (data) => {
      let parsed: z.ZodSafeParseResult<AgentMessage>;
      try {
        parsed = agentMessageSchema.safeParse(JSON.parse(String(data)));
      } catch {
        return send(ws, { type: 'error', message: 'messages are JSON objects with a "type"' });
      }
      if (!parsed.success) return send(ws, { type: 'error', message: z.prettifyError(parsed.error) });
      // One message at a time, in the order sent: a pause must not overtake the login still looking up campaigns.
      turn = turn.then(() => this.act(agentId, parsed.data)).then(
        (acked) => acked && send(ws, { type: 'ack', of: parsed.data.type }),
        (error: unknown) =>
          send(ws, {
            type: 'error',
            message: error instanceof Error ? error.message : String(error),
            ...(error instanceof Refusal ? { rule: error.rule, ...(error.runBy && { runBy: error.runBy }) } : {}),
          }),
      );
    });
    // The server's clock (the demo's simulated one): the page shows times by it, never by the browser's.
    send(ws, { type: 'hello', agentId, now: new Date(this.o.clock.now()).toISOString(), rate: this.o.clockRate ?? 1 });
    // A reopened page (a reload, a second tab) is shown where the agent stands: state, offered lead, wrap-up deadline.
    const current = this.o.board?.current(agentId);
    if (current) this.tell(ws, current);
    // The call in hand, popped again: a reloaded page shows the customer, the script and the wrap-up where they were.
    const inHand = this.lastCall.get(agentId);
    if (inHand && current?.attemptId === inHand && (current.to === 'on-call' || current.to === 'wrap-up')) void this.screenPop(agentId, inHand);
  }

  /** Does what the agent asked; true when the request is one acknowledged with `ack` (a dial). */
  private async act(agentId: AgentId, m: AgentMessage): Promise<boolean> {
    const at = this.o.clock.now();
    switch (m.type) {
      case 'login': {
        const campaigns = await this.loginCampaigns(agentId, m.campaigns?.map(CampaignId));
        this.o.desk.publish({ type: 'agent.login', agentId, endpoint: m.endpoint, campaigns, at });
        return false;
      }
      case 'pause':
        this.o.desk.publish({ type: 'agent.pause', agentId, reason: m.reason, at });
        return false;
      case 'resume':
        this.o.desk.publish({ type: 'agent.resume', agentId, at });
        return false;
      case 'logout':
        this.o.desk.publish({ type: 'agent.logout', agentId, at });
        return false;
      case 'disposition': {
        // An agent dispositions their own last call only.
        if (this.lapsed.get(agentId) === m.attemptId) {
          throw new Error(`the wrap-up of attempt ${m.attemptId} timed out: it has the system disposition ${WRAP_UP_TIMEOUT_DISPOSITION}; a supervisor can correct it`);
        }
        if (this.lastCall.get(agentId) !== m.attemptId) throw new Error(`attempt ${m.attemptId} is not your last call`);
        await this.checkDisposition(m.code, m.callback !== undefined);
        const callback = m.callback && { at: Date.parse(m.callback.at), agentId: m.callback.for === 'me' ? agentId : null };
        if (callback) await this.checkCallbackTime(AttemptId(m.attemptId), callback.at, at);
        this.o.desk.publish({ type: 'agent.wrap-up-done', agentId, attemptId: AttemptId(m.attemptId), disposition: m.code, callback, note: m.note, at });
        return false;
      }
      case 'preview.dial':
      case 'preview.skip': {
        if (this.offered.get(agentId) !== m.leadId) throw new Error(`lead ${m.leadId} is not offered to you (the offer may have lapsed)`);
        this.offered.delete(agentId);
        const type = m.type === 'preview.dial' ? 'agent.preview-dial' : 'agent.preview-skip';
        this.o.desk.publish({ type, agentId, leadId: LeadId(m.leadId), at });
        return m.type === 'preview.dial';
      }
      case 'manual.dial':
        await this.dialByHand(agentId, m.phone, CampaignId(m.campaignId));
        return true;
      case 'call.control':
        await this.control(agentId, AttemptId(m.attemptId), m.control, at);
        return true;
      case 'script.answers':
        await this.callWork.answer(agentId, m);
        return true;
      case 'lead.correct':
        await this.callWork.correct(agentId, m);
        return true;
    }
  }

  /** The campaigns named at login, each one the agent is assigned to; none named: all of those (an agent assigned to none may work any). */
  private async loginCampaigns(agentId: AgentId, named: CampaignId[] | undefined): Promise<CampaignId[] | undefined> {
    const assigned = await assignedCampaigns(this.o.db, agentId);
    if (assigned.length === 0) return named && this.runHere(named);
    const refused = (named ?? []).filter((id) => !assigned.includes(id));
    if (refused.length > 0) {
      throw new Error(`you are not assigned to campaign ${refused.join(', ')}: a supervisor assigns agents (PUT /api/v1/agents/${agentId}/campaigns)`);
    }
    return this.runHere(named ?? assigned);
  }

  /**
   * The campaigns, when this process runs each of them now: a login to another would reach no engine. The refusal names the
   * engine that runs the first of the others, when one does and it is not this one (this one may be taking it over).
   */
  private async runHere(campaigns: CampaignId[]): Promise<CampaignId[]> {
    const elsewhere = campaigns.filter((id) => this.o.runsCampaign?.(id) === false);
    if (elsewhere.length === 0) return campaigns;
    const owner = await this.o.campaignRunBy?.(elsewhere[0]!);
    const runBy = owner !== undefined && owner !== this.o.engineId ? owner : undefined;
    throw new Refusal(
      runBy
        ? `campaign ${elsewhere.join(', ')} is run by engine ${runBy}, not this one: reconnecting to it`
        : `campaign ${elsewhere.join(', ')} is not run by this engine now: another engine runs it, or this one is taking it over; log in again in a few seconds, or through the engine that runs it`,
      'campaign-run-elsewhere',
      runBy,
    );
  }

  /** The code is one of the agents' dispositions, and a call-back comes with its time. */
  private async checkDisposition(code: string, withCallback: boolean): Promise<void> {
    const { rows } = await this.o.db.query<{ effect: string }>('SELECT effect FROM dispositions WHERE code = $1 AND NOT system', [code]);
    const effect = rows[0]?.effect;
    if (!effect) throw new Error(`disposition "${code}" is not one of the campaign's dispositions`);
    if (effect === 'callback' && !withCallback) throw new Error(`disposition "${code}" schedules a callback: give callback {at, for}`);
    if (effect !== 'callback' && withCallback) throw new Error(`disposition "${code}" does not schedule a callback: choose a call-back disposition`);
  }

  /** A callback is for a time to come, inside the calling window where the customer lives. */
  private async checkCallbackTime(attemptId: AttemptId, callbackAt: number, now: number): Promise<void> {
    if (callbackAt <= now) throw new Refusal(`the callback's time ${new Date(callbackAt).toISOString()} has passed: choose a time to come`, 'callback-in-the-past');
    const { rows } = await this.o.db.query<{ lead_id: LeadId; campaign_id: CampaignId }>('SELECT lead_id, campaign_id FROM attempts WHERE id = $1::uuid', [attemptId]);
    const row = rows[0]!;
    const campaign = await getCampaign(this.o.db, row.campaign_id);
    const window = windowAt(effectiveRules(campaign.complianceProfile, campaign.rules).callingWindow, await leadZones(this.o.db, row.lead_id), callbackAt);
    if (!window.open) {
      const local = window.local[0]!;
      const hours = window.today ? `${window.today.start}-${window.today.end}` : 'no calls that day';
      throw new Refusal(`a callback at ${local.date} ${local.time} (${local.timeZone}) is outside the customer's calling window (${hours})`, 'outside-calling-window');
    }
  }

  private async dialByHand(agentId: AgentId, phone: string, campaignId: CampaignId): Promise<void> {
    const { board, engineId } = this.o;
    if (!board || !engineId || board.stateIn(agentId, campaignId) === undefined) {
      throw new Error(`you are not logged in to campaign ${campaignId} here: log in to it first`);
    }
    const previewing = this.offered.has(agentId) && board.isFree(agentId, campaignId);
    if (!previewing && (board.stateIn(agentId, campaignId) !== 'ready' || !board.isFree(agentId, campaignId))) {
      throw new Error('you can dial by hand only while ready (or looking at a preview): resume first, or finish your call and wrap-up');
    }
    const campaign = await getCampaign(this.o.db, campaignId);
    const now = this.o.clock.now();
    const verdict = await claimManualDial(this.o.db, { campaign, phone, agentId, engineId, leaseMs: MANUAL_DIAL_LEASE_MS, now });
    if ('refused' in verdict) throw new Refusal(verdict.refused, verdict.rule);
    this.offered.delete(agentId);
    this.o.desk.publish({ type: 'agent.manual-dial', agentId, campaignId, lead: verdict.lead, at: now });
  }

  /**
   * A control on the agent's call: a number outside is checked against the
   * campaign's rules first; then the engine holding the call accepts it or
   * says why not (`ack`, or `error`); what the PBX did follows as `control`.
   */
  private async control(agentId: AgentId, attemptId: AttemptId, m: CallControlMessage, at: number): Promise<void> {
    let control: CallControl;
    if ('to' in m && 'number' in m.to) {
      const { rows } = await this.o.db.query<{ campaign_id: string }>('SELECT campaign_id FROM attempts WHERE id = $1::uuid', [attemptId]);
      if (!rows[0]) throw new Error(`attempt ${attemptId} is not stored: controls work on your call in progress`);
      const campaign = await getCampaign(this.o.db, CampaignId(rows[0].campaign_id));
      const verdict = await checkTransferNumber(this.o.db, campaign, m.to.number, this.o.clock.now());
      if ('refused' in verdict) throw new Refusal(verdict.refused, verdict.rule);
      control = { ...m, to: { number: verdict.number } } as CallControl;
    } else {
      control = ('to' in m ? { ...m, to: { agentId: AgentId((m.to as { agentId: string }).agentId) } } : m) as CallControl;
    }
    let verdict: { accepted: true } | { refused: string } | undefined;
    this.o.desk.publish({ type: 'agent.control', agentId, attemptId, control, at, reply: (v) => (verdict ??= v) });
    if (!verdict) throw new Error(`call ${attemptId} is not yours here: controls work on the call you are talking on`);
    if ('refused' in verdict) throw new Refusal(verdict.refused, 'call-state');
  }

  /** What the PBX did with a control, told to the agent who asked; a call transferred to another agent pops on their screen. */
  private controlDone(e: Extract<TelephonyEvent, { type: 'call.control' }>): void {
    const before = this.controlled.get(e.attemptId) ?? CALL_UNTOUCHED;
    const verdict = e.failed ? undefined : decideControl(before, e.control);
    this.controlled.set(e.attemptId, verdict && 'state' in verdict ? { ...verdict.state, leaving: false } : controlFailed(before, e.control));
    const ws = this.sockets.get(e.agentId);
    const at = new Date(e.at).toISOString();
    if (ws) send(ws, { type: 'control', attemptId: e.attemptId, control: e.control.kind, ...(e.target ? { target: e.target } : {}), at, ...(e.failed ? { failed: e.failed } : {}) });
    const movedTo = !e.failed && (e.control.kind === 'transfer' || e.control.kind === 'complete') && e.target && 'agentId' in e.target ? e.target.agentId : undefined;
    if (movedTo) {
      this.controlled.delete(e.attemptId);
      this.lastCall.set(movedTo, e.attemptId);
      void this.screenPop(movedTo, e.attemptId);
    }
  }

  /** The agent's state, the lead offered them and their wrap-up's deadline, as the engines change them. */
  private stateChanged(change: AgentStateChange): void {
    if (change.to !== 'reserved') this.offered.delete(change.agentId);
    if (change.to === 'reserved' && change.reason === 'preview' && change.leadId) this.offered.set(change.agentId, change.leadId);
    const lastCall = this.lastCall.get(change.agentId);
    if (change.reason === WRAP_UP_TIMEOUT_DISPOSITION && lastCall) this.lapsed.set(change.agentId, lastCall);
    const ws = this.sockets.get(change.agentId);
    if (ws) this.tell(ws, change);
  }

  private tell(ws: WebSocket, change: AgentStateChange): void {
    const at = new Date(change.at).toISOString();
    send(ws, { type: 'state', state: change.to, ...(change.reason ? { reason: change.reason } : {}), campaigns: change.campaigns, at });
    if (change.to === 'wrap-up' && change.attemptId) {
      const deadline = change.deadline === undefined ? null : new Date(change.deadline).toISOString();
      send(ws, { type: 'wrap-up', attemptId: change.attemptId, deadline });
    }
    if (change.to === 'reserved' && change.reason === 'preview' && change.leadId) void this.preview(ws, change.leadId);
  }

  private async preview(ws: WebSocket, leadId: LeadId): Promise<void> {
    const card = await this.leadCard(ws, `${LEAD_CARD} WHERE l.id = $1::uuid`, leadId, (campaignId, lead) => campaignScriptFor(this.o.db, campaignId, lead));
    if (card) send(ws, { type: 'preview', ...card });
  }

  private async screenPop(agentId: AgentId, attemptId: AttemptId): Promise<void> {
    const ws = this.sockets.get(agentId);
    if (!ws) return;
    const card = await this.leadCard(ws, `${LEAD_CARD} WHERE l.id = (SELECT lead_id FROM attempts WHERE id = $1::uuid)`, attemptId, (campaignId, lead) =>
      // The version shown is pinned on the attempt: the answers are stored against it.
      scriptForCall(this.o.db, attemptId, campaignId, lead),
    );
    if (card === null) return;
    if (!card) return send(ws, { type: 'error', message: `call ${attemptId} put through, but its attempt is not stored` });
    const controls = this.controlled.get(attemptId);
    send(ws, { type: 'screen-pop', attemptId, ...card, ...(controls && { controls: { held: controls.held, muted: controls.muted, consulting: controls.consulting } }) });
  }

  /**
   * The campaign, the lead and the campaign's script rendered for the lead:
   * what a screen pop and a preview show; undefined when storage has no such
   * lead; null when storage could not be read (the agent is told: the call
   * goes on without its card; an unheard rejection here would end the process).
   */
  private async leadCard(
    ws: WebSocket,
    sql: string,
    id: string,
    scriptOf: (campaignId: CampaignId, lead: LeadView) => Promise<AgentScript | undefined>,
  ): Promise<Record<string, unknown> | undefined | null> {
    try {
      const row = (await this.o.db.query<LeadCardRow>(sql, [id])).rows[0];
      if (!row) return undefined;
      const lead = { id: row.lead_id, phone: row.phone, fields: row.custom_fields };
      const campaignId = CampaignId(row.campaign_id);
      const [script, card] = await Promise.all([
        scriptOf(campaignId, lead),
        getCampaign(this.o.db, campaignId).then((campaign) => deskCard(this.o.db, campaign, LeadId(row.lead_id), row.custom_fields, this.o.clock.now(), id)),
      ]);
      return { campaign: { id: row.campaign_id, name: row.campaign_name }, lead, card, ...(script && { script }) };
    } catch (error) {
      send(ws, { type: 'error', message: `the lead's card could not be read (${error instanceof Error ? error.message : String(error)}): the call goes on without it` });
      return null;
    }
  }
}

function send(ws: WebSocket, message: Record<string, unknown>): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

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
import type { TelephonyListener } from '../telephony/port.js';
import { redeemTicket } from './agent-tickets.js';
import { findKeyHolder } from './keys.js';
import { API_PREFIX } from './server.js';

export const AGENT_SOCKET_PATH = `${API_PREFIX}/agent`;

const PAUSE_REASONS = ['break', 'lunch', 'training', 'meeting', 'coaching', 'technical', 'other'] as const;

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
  }),
  z.object({ type: z.literal('preview.dial'), leadId: z.uuid() }),
  z.object({ type: z.literal('preview.skip'), leadId: z.uuid() }),
  z.object({ type: z.literal('manual.dial'), phone: z.string().min(3).max(40), campaignId: z.uuid() }),
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
}

/** How long a hand-dialed lead's claim holds: the engine dials it at once. */
const MANUAL_DIAL_LEASE_MS = 30 * SECOND;

/** A request outpace refuses under one of the campaign's rules, named in the error. */
class Refusal extends Error {
  constructor(message: string, readonly rule: string) {
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
  /** The call whose wrap-up the campaign's timeout ended: too late for the agent's disposition. */
  private readonly lapsed = new Map<AgentId, AttemptId>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly callWork: CallWork;

  constructor(private readonly o: AgentSocketsOptions) {
    this.callWork = new CallWork({ db: o.db, clock: o.clock, callOf: (agentId) => this.lastCall.get(agentId) });
    this.unsubscribe.push(
      o.subscribeCalls((e) => {
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
            ...(error instanceof Refusal ? { rule: error.rule } : {}),
          }),
      );
    });
    send(ws, { type: 'hello', agentId });
    // A reopened page (a reload, a second tab) is shown where the agent stands: state, offered lead, wrap-up deadline.
    const current = this.o.board?.current(agentId);
    if (current) this.tell(ws, current);
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
        this.o.desk.publish({ type: 'agent.wrap-up-done', agentId, attemptId: AttemptId(m.attemptId), disposition: m.code, callback, at });
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
    if (assigned.length === 0) return named;
    const refused = (named ?? []).filter((id) => !assigned.includes(id));
    if (refused.length > 0) {
      throw new Error(`you are not assigned to campaign ${refused.join(', ')}: a supervisor assigns agents (PUT /api/v1/agents/${agentId}/campaigns)`);
    }
    return named ?? assigned;
  }

  /** The code is one of the agents' dispositions, and a call-back comes with its time. */
  private async checkDisposition(code: string, withCallback: boolean): Promise<void> {
    const { rows } = await this.o.db.query<{ effect: string }>('SELECT effect FROM dispositions WHERE code = $1 AND NOT system', [code]);
    const effect = rows[0]?.effect;
    if (!effect) throw new Error(`disposition "${code}" is not one of the campaign's dispositions`);
    if (effect === 'callback' && !withCallback) throw new Error(`disposition "${code}" schedules a callback: give callback {at, for}`);
    if (effect !== 'callback' && withCallback) throw new Error(`disposition "${code}" does not schedule a callback: choose a call-back disposition`);
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
    send(ws, { type: 'screen-pop', attemptId, ...card });
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
      const script = await scriptOf(CampaignId(row.campaign_id), lead);
      return { campaign: { id: row.campaign_id, name: row.campaign_name }, lead, ...(script && { script }) };
    } catch (error) {
      send(ws, { type: 'error', message: `the lead's card could not be read (${error instanceof Error ? error.message : String(error)}): the call goes on without it` });
      return null;
    }
  }
}

function send(ws: WebSocket, message: Record<string, unknown>): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

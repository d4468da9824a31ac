/**
 * The agent's real-time API: one WebSocket per agent at /api/v1/agent,
 * authenticated with the agent's API key ("Authorization: Bearer KEY") or,
 * from a browser, which cannot set that header, with a one-time ticket the
 * key bought (`?ticket=`, see agent-tickets.ts).
 * The agent logs in with their softphone's endpoint, pauses and resumes,
 * and ends each wrap-up with a disposition; outpace sends a screen pop with
 * the lead's data when a call is put through to them. What the agent says
 * goes to the engine through the desk; what the engine does reaches the agent
 * from the telephony port's events.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { CallWork, leadCorrectMessage, scriptAnswersMessage } from '../agents/call-work.js';
import type { DeskHub } from '../agents/desk-hub.js';
import { scriptForCall } from '../agents/scripts/attempt-answers.js';
import { AttemptId, CampaignId, type AgentId } from '../domain/ids.js';
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
  z.object({ type: z.literal('login'), endpoint: z.string().min(1, 'the softphone endpoint, such as PJSIP/alice') }),
  z.object({ type: z.literal('pause'), reason: z.enum(PAUSE_REASONS) }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('logout') }),
  z.object({ type: z.literal('disposition'), attemptId: z.uuid(), code: z.string().min(1) }),
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
}

interface ScreenPopRow {
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
  private readonly unsubscribe: () => void;
  private readonly callWork: CallWork;

  constructor(private readonly o: AgentSocketsOptions) {
    this.callWork = new CallWork({ db: o.db, clock: o.clock, callOf: (agentId) => this.lastCall.get(agentId) });
    this.unsubscribe = o.subscribeCalls((e) => {
      if (e.type !== 'call.connected') return;
      this.lastCall.set(e.agentId, e.attemptId);
      void this.screenPop(e.agentId, e.attemptId);
    });
  }

  /** Serves the agent socket on the API's HTTP server. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(request.url ?? '/', 'http://x').pathname !== AGENT_SOCKET_PATH) return;
      void this.authenticate(request).then((agentId) => {
        if (!agentId) {
          socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        this.wss.handleUpgrade(request, socket, head, (ws) => this.connected(agentId, ws));
      });
    });
  }

  close(): void {
    this.unsubscribe();
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
    ws.on('message', (data) => {
      let parsed: z.ZodSafeParseResult<AgentMessage>;
      try {
        parsed = agentMessageSchema.safeParse(JSON.parse(String(data)));
      } catch {
        return send(ws, { type: 'error', message: 'messages are JSON objects with a "type"' });
      }
      if (!parsed.success) return send(ws, { type: 'error', message: z.prettifyError(parsed.error) });
      const message = parsed.data;
      const refused = (error: unknown) => send(ws, { type: 'error', message: error instanceof Error ? error.message : String(error) });
      try {
        void this.act(agentId, message)?.then(() => send(ws, { type: 'ack', of: message.type }), refused);
      } catch (error) {
        refused(error);
      }
    });
    send(ws, { type: 'hello', agentId });
  }

  /** A promise for what is acknowledged once done (answers, corrections); nothing for what the engine hears. */
  private act(agentId: AgentId, m: AgentMessage): Promise<unknown> | void {
    const at = this.o.clock.now();
    switch (m.type) {
      case 'login':
        return this.o.desk.publish({ type: 'agent.login', agentId, endpoint: m.endpoint, at });
      case 'pause':
        return this.o.desk.publish({ type: 'agent.pause', agentId, reason: m.reason, at });
      case 'resume':
        return this.o.desk.publish({ type: 'agent.resume', agentId, at });
      case 'logout':
        return this.o.desk.publish({ type: 'agent.logout', agentId, at });
      case 'disposition':
        // An agent dispositions their own last call only.
        if (this.lastCall.get(agentId) !== m.attemptId) throw new Error(`attempt ${m.attemptId} is not your last call`);
        return this.o.desk.publish({ type: 'agent.wrap-up-done', agentId, attemptId: AttemptId(m.attemptId), disposition: m.code, at });
      case 'script.answers':
        return this.callWork.answer(agentId, m);
      case 'lead.correct':
        return this.callWork.correct(agentId, m);
    }
  }

  private async screenPop(agentId: AgentId, attemptId: AttemptId): Promise<void> {
    const ws = this.sockets.get(agentId);
    if (!ws) return;
    const { rows } = await this.o.db.query<ScreenPopRow>(
      `SELECT l.id AS lead_id, l.phone, l.custom_fields, c.id AS campaign_id, c.name AS campaign_name
         FROM attempts a JOIN leads l ON l.id = a.lead_id JOIN campaigns c ON c.id = a.campaign_id WHERE a.id = $1::uuid`,
      [attemptId],
    );
    const row = rows[0];
    if (!row) return send(ws, { type: 'error', message: `call ${attemptId} put through, but its attempt is not stored` });
    const lead = { id: row.lead_id, phone: row.phone, fields: row.custom_fields };
    const script = await scriptForCall(this.o.db, attemptId, CampaignId(row.campaign_id), lead);
    send(ws, { type: 'screen-pop', attemptId, campaign: { id: row.campaign_id, name: row.campaign_name }, lead, ...(script && { script }) });
  }
}

function send(ws: WebSocket, message: Record<string, unknown>): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

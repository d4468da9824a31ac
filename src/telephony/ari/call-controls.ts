/**
 * Call controls on Asterisk, for calls put through to agents on their own
 * bridges. On hold the customer leaves the agent's bridge and hears music
 * on hold (POST /channels/{id}/moh), so the agent hears nothing and the
 * customer's snoop records the music; resume stops the music and brings the
 * customer back. Mute mutes what the agent's channel sends. DTMF goes out on
 * the customer's channel, to the IVR at the far end. A transfer moves the
 * customer into the new agent's bridge (ARI moves a channel from one bridge
 * to another in one addChannel), or, to a number outside, rings the number
 * into the application as a third party (`party,<attemptId>`) and bridges
 * it with the customer in a bridge of their own. A warm transfer holds the
 * customer while the agent talks with the third party in the agent's own
 * bridge; completing it joins the customer and the third party, cancelling
 * sends the third party away and brings the customer back. A conference adds
 * the third party to the agent's bridge, with the customer.
 *
 * The controls of one call run one after another, in the order asked, so
 * two controls racing on one call reach Asterisk in one order. A control
 * Asterisk refuses, or a third party that never answers, is reported failed
 * and the customer is brought back to the agent, off hold.
 */
import type { Logger } from 'pino';
import type { AgentId, AttemptId, E164 } from '../../domain/ids.js';
import type { Clock } from '../../engine/scheduler.js';
import type { CallControl, ControlTarget, EndedBy, TelephonyEvent } from '../port.js';
import type { AgentLeg, AgentLegs } from './agent-legs.js';
import type { AriRest } from './ari-connection.js';
import { describeError, isGoneError } from './ari-errors.js';
import type { CallRecordings } from './call-recordings.js';
import type { CustomerCall } from './customer-calls.js';
import type { RestGate } from './rest-gate.js';

/** The appArgs a third party (a number outside) enters the application with: `party,<attemptId>`. */
export const PARTY_ARGS = 'party';
/** How long a number outside may ring before a transfer, consultation or conference to it fails. */
const PARTY_RING_TIMEOUT_SEC = 30;

export interface ControlHost {
  readonly gate: RestGate;
  readonly rest: () => AriRest;
  readonly agents: AgentLegs;
  readonly recordings: CallRecordings;
  readonly clock: Clock;
  readonly logger: Logger;
  /** ARI_TRUNK_ENDPOINT for a number, on the call's trunk. */
  readonly endpointFor: (call: CustomerCall, number: string) => string;
  readonly ownerVariables: () => Record<string, string>;
  readonly isLive: (call: CustomerCall) => boolean;
  readonly hangUpCustomer: (call: CustomerCall, by: EndedBy) => void;
  readonly hangupChannel: (channelId: string) => void;
  readonly emit: (event: TelephonyEvent) => void;
}

interface Party {
  readonly channelId: string;
  readonly number: E164;
  /** Settles when the party answers (StasisStart), or fails when their channel ends first. */
  readonly answered: Promise<void>;
  answer(): void;
  fail(why: string): void;
  up: boolean;
}

/** Where a call put through to an agent stands on the PBX, beyond its bridge. */
interface Side {
  held: boolean;
  muted: boolean;
  /** The third party of a consultation or conference, a number outside. */
  party?: Party;
  /** The agent consulted, whose channel sits in the first agent's bridge meanwhile. */
  consulted?: AgentLeg;
  /** Handed to a number outside: the bridge the customer and the third party talk in, and that party. */
  handoffBridge?: string;
  handedTo?: Party;
  /** The part the recordings are on (a transfer starts the next). */
  part: number;
  turn: Promise<void>;
}

class ControlFailure extends Error {}

export class AriCallControls {
  private readonly sides = new Map<AttemptId, Side>();
  private readonly parties = new Map<string, { attemptId: AttemptId; party: Party }>();
  private partiesMade = 0;

  constructor(private readonly h: ControlHost) {}

  /** Carries out the control after those asked before it on the same call; `call.control` reports it. */
  control(call: CustomerCall, agentId: AgentId, control: CallControl): void {
    const side = this.sideOf(call);
    const { attemptId } = call.request;
    side.turn = side.turn.then(async () => {
      const report = (extra: { target?: ControlTarget; failed?: string }) =>
        this.h.emit({ type: 'call.control', attemptId, agentId, control, at: this.h.clock.now(), ...extra });
      if (!this.h.isLive(call) || call.agentId !== agentId) return report({ failed: 'the call is no longer with you' });
      try {
        const target = await this.carryOut(call, side, control);
        report(target ? { target } : {});
      } catch (err) {
        if (!this.h.isLive(call)) return report({ failed: 'the customer left' });
        const why = err instanceof ControlFailure ? err.message : `Asterisk refused: ${describeError(err)}`;
        this.h.logger.warn({ attemptId, control: control.kind, why }, 'call control failed; the customer is back with the agent');
        await this.backToAgent(call, side, control);
        report({ failed: why });
      }
    });
  }

  /** StasisStart of a channel: true when it is a third party of ours, now answered. */
  partyEntered(channelId: string, args: readonly string[]): boolean {
    if (args[0] !== PARTY_ARGS) return false;
    const found = this.parties.get(channelId);
    if (!found) {
      this.h.hangupChannel(channelId);
      return true;
    }
    found.party.up = true;
    found.party.answer();
    return true;
  }

  /**
   * ChannelDestroyed: true when it was a third party of ours. One that never
   * answered fails its control; one the customer was handed to leaves the
   * customer alone, whose call then ends too.
   */
  partyGone(channelId: string, cause: string, customerOf: (attemptId: AttemptId) => CustomerCall | undefined): boolean {
    const found = this.parties.get(channelId);
    if (!found) return false;
    this.parties.delete(channelId);
    found.party.fail(`${found.party.number} did not answer (${cause})`);
    const side = this.sides.get(found.attemptId);
    if (side?.party === found.party) side.party = undefined;
    const call = customerOf(found.attemptId);
    if (side?.handoffBridge && call && side.handedTo === found.party) this.h.hangUpCustomer(call, 'system');
    return true;
  }

  /** The customer left: the third parties and the handoff bridge go too. */
  callEnded(call: CustomerCall): void {
    const side = this.sides.get(call.request.attemptId);
    if (!side) return;
    this.sides.delete(call.request.attemptId);
    for (const [channelId, found] of this.parties) if (found.attemptId === call.request.attemptId) this.h.hangupChannel(channelId);
    if (side.consulted) this.returnToOwnBridge(side.consulted);
    if (side.handoffBridge) {
      const bridgeId = side.handoffBridge;
      this.h.gate.run('bridge destroy', () => this.h.rest().destroyBridge(bridgeId)).catch(() => undefined);
    }
  }

  private sideOf(call: CustomerCall): Side {
    let side = this.sides.get(call.request.attemptId);
    if (!side) {
      side = { held: false, muted: false, part: 1, turn: Promise.resolve() };
      this.sides.set(call.request.attemptId, side);
    }
    return side;
  }

  private legOf(agentId: AgentId | undefined): AgentLeg {
    const leg = agentId ? this.h.agents.get(agentId) : undefined;
    if (!leg?.up) throw new ControlFailure(`agent ${agentId ?? '?'} has no leg up`);
    return leg;
  }

  private run(what: string, request: (rest: AriRest) => Promise<void>): Promise<void> {
    return this.h.gate.run(what, () => request(this.h.rest()), { urgent: true });
  }

  /** Does the control; the target a transfer, consultation, completion or conference reached. */
  private async carryOut(call: CustomerCall, side: Side, control: CallControl): Promise<ControlTarget | undefined> {
    const leg = this.legOf(call.agentId);
    const customer = call.channelId;
    switch (control.kind) {
      case 'hangup':
        this.h.hangUpCustomer(call, 'agent');
        return undefined;
      case 'hold':
        return void (await this.hold(call, side, leg));
      case 'resume':
        await this.run('moh stop', (r) => r.stopMoh(customer));
        await this.run('bridge addChannel', (r) => r.addToBridge(leg.bridgeId, [customer]));
        side.held = false;
        return undefined;
      case 'mute':
      case 'unmute':
        await this.run(control.kind, (r) => (control.kind === 'mute' ? r.mute(leg.channelId) : r.unmute(leg.channelId)));
        side.muted = control.kind === 'mute';
        return undefined;
      case 'dtmf':
        await this.run('dtmf', (r) => r.sendDtmf(customer, control.digits));
        return undefined;
      case 'transfer':
        if ('agentId' in control.to) return this.toAgent(call, side, leg, this.legOf(control.to.agentId), false);
        await this.hold(call, side, leg);
        return this.toParty(call, side, leg, await this.ringParty(call, side, control.to.number));
      case 'consult': {
        await this.hold(call, side, leg);
        if ('agentId' in control.to) {
          const consulted = this.legOf(control.to.agentId);
          await this.run('bridge addChannel', (r) => r.addToBridge(leg.bridgeId, [consulted.channelId]));
          side.consulted = consulted;
          return control.to;
        }
        const party = await this.ringParty(call, side, control.to.number);
        await this.run('bridge addChannel', (r) => r.addToBridge(leg.bridgeId, [party.channelId]));
        return control.to;
      }
      case 'complete': {
        if (side.consulted) {
          const consulted = side.consulted;
          side.consulted = undefined;
          return this.toAgent(call, side, leg, consulted, true);
        }
        if (!side.party) throw new ControlFailure('the consulted party has left');
        return this.toParty(call, side, leg, side.party);
      }
      case 'cancel':
        if (side.consulted) this.returnToOwnBridge(side.consulted);
        side.consulted = undefined;
        if (side.party) this.h.hangupChannel(side.party.channelId);
        side.party = undefined;
        await this.run('moh stop', (r) => r.stopMoh(customer));
        await this.run('bridge addChannel', (r) => r.addToBridge(leg.bridgeId, [customer]));
        side.held = false;
        return undefined;
      case 'conference': {
        const party = await this.ringParty(call, side, control.to.number);
        await this.run('bridge addChannel', (r) => r.addToBridge(leg.bridgeId, [party.channelId]));
        return control.to;
      }
    }
  }

  /** The customer out of the agent's bridge, hearing music. */
  private async hold(call: CustomerCall, side: Side, leg: AgentLeg): Promise<void> {
    if (side.held) return;
    await this.run('bridge removeChannel', (r) => r.removeFromBridge(leg.bridgeId, call.channelId));
    side.held = true;
    await this.run('moh start', (r) => r.startMoh(call.channelId));
  }

  /** Rings a number outside into the application and waits for the answer. */
  private async ringParty(call: CustomerCall, side: Side, number: E164): Promise<Party> {
    const channelId = `${call.channelId}-x${++this.partiesMade}`;
    let answer!: () => void;
    let fail!: (why: string) => void;
    const answered = new Promise<void>((resolve, reject) => {
      answer = resolve;
      fail = (why) => reject(new ControlFailure(why));
    });
    // A party that fails after its control gave up waiting (the originate refused) must not be an unhandled rejection.
    answered.catch(() => undefined);
    const party: Party = { channelId, number, answered, answer, fail, up: false };
    this.parties.set(channelId, { attemptId: call.request.attemptId, party });
    side.party = party;
    await this.h.gate.run('party originate', () =>
      this.h.rest().originate({
        endpoint: this.h.endpointFor(call, number),
        channelId,
        answeredInto: { appArgs: `${PARTY_ARGS},${call.request.attemptId}` },
        callerId: call.request.callerId,
        timeoutSec: PARTY_RING_TIMEOUT_SEC,
        variables: { ...this.h.ownerVariables(), OUTPACE_ATTEMPT: call.request.attemptId },
      }),
    );
    await answered;
    return party;
  }

  /**
   * The customer into the other agent's bridge, with that agent's channel
   * when it comes back from the consultation in the first agent's bridge
   * (one request moves both); the recordings follow.
   */
  private async toAgent(call: CustomerCall, side: Side, from: AgentLeg, to: AgentLeg, consulted: boolean): Promise<ControlTarget> {
    if (side.held) await this.run('moh stop', (r) => r.stopMoh(call.channelId));
    const joining = consulted ? [to.channelId, call.channelId] : [call.channelId];
    await this.run('bridge addChannel', (r) => r.addToBridge(to.bridgeId, joining));
    side.held = false;
    this.moveRecordings(call, side, to);
    from.attemptId = undefined;
    to.attemptId = call.request.attemptId;
    call.agentId = to.agentId;
    return { agentId: to.agentId };
  }

  /** The customer and the third party in a bridge of their own; the agent is free of the call. */
  private async toParty(call: CustomerCall, side: Side, from: AgentLeg, party: Party): Promise<ControlTarget> {
    const bridgeId = `${call.channelId}-handoff`;
    await this.run('bridge create', (r) => r.createBridge(bridgeId, `handoff-${call.request.attemptId}`));
    side.handoffBridge = bridgeId;
    await this.run('moh stop', (r) => r.stopMoh(call.channelId));
    await this.run('bridge addChannel', (r) => r.addToBridge(bridgeId, [call.channelId, party.channelId]));
    side.held = false;
    side.party = undefined;
    side.handedTo = party;
    this.moveRecordings(call, side, { bridgeId });
    from.attemptId = undefined;
    call.agentId = undefined;
    return { number: party.number };
  }

  /** The first part's agent-side recordings end; the call's new bridge (and agent) are recorded as the next part. */
  private moveRecordings(call: CustomerCall, side: Side, to: AgentLeg | { bridgeId: string }): void {
    const part = ++side.part;
    void this.h.recordings.stop(call).then(() => this.h.recordings.start(call, to, this.h.clock.now(), part));
  }

  private returnToOwnBridge(leg: AgentLeg): void {
    this.h.gate.run('bridge addChannel', () => this.h.rest().addToBridge(leg.bridgeId, [leg.channelId])).catch((err: unknown) => {
      if (!isGoneError(err)) this.h.logger.warn({ agentId: leg.agentId, err: describeError(err) }, 'consulted agent could not go back to their bridge');
    });
  }

  /** After a failed control: the third party gone, the customer back in the agent's bridge, off hold. */
  private async backToAgent(call: CustomerCall, side: Side, control: CallControl): Promise<void> {
    if (control.kind === 'hold' || control.kind === 'resume' || control.kind === 'mute' || control.kind === 'unmute' || control.kind === 'dtmf') return;
    if (side.party && !side.party.up) this.parties.delete(side.party.channelId);
    if (side.party) this.h.hangupChannel(side.party.channelId);
    side.party = undefined;
    if (side.consulted) this.returnToOwnBridge(side.consulted);
    side.consulted = undefined;
    const leg = call.agentId ? this.h.agents.get(call.agentId) : undefined;
    if (!leg || !this.h.isLive(call)) return;
    await this.run('moh stop', (r) => r.stopMoh(call.channelId)).catch(() => undefined);
    await this.run('bridge addChannel', (r) => r.addToBridge(leg.bridgeId, [call.channelId])).catch((err: unknown) =>
      this.h.logger.error({ attemptId: call.request.attemptId, err: describeError(err) }, 'the customer could not be brought back to the agent'),
    );
    side.held = false;
  }
}

/**
 * Which server a customer is dialed on, when agents sit on several: a
 * customer meets only an agent on the server their call is on, so each call
 * goes where the most agents are expected free when it is answered. Pure.
 *
 * Expected free on a server: its agents' legs up, less the agents talking to
 * a customer, less the answered customers waiting for one, less the calls
 * still ringing times the share of calls a person answers.
 */
export interface ServerLoad {
  readonly name: string;
  /** Lines and call starts its trunk allows now (0 where the server does not carry the trunk). */
  readonly linesFree: number;
  readonly callsAllowedNow: number;
  readonly agentsUp: number;
  readonly agentsTalking: number;
  readonly callsWaiting: number;
  readonly callsRinging: number;
}

export function expectedFreeAgents(load: ServerLoad, answerRate: number): number {
  return load.agentsUp - load.agentsTalking - load.callsWaiting - load.callsRinging * answerRate;
}

/** The server to dial on, or undefined when none can carry a call now. Ties go to the one with more lines free. */
export function chooseServer(loads: readonly ServerLoad[], answerRate: number): string | undefined {
  let best: { name: string; free: number; lines: number } | undefined;
  for (const load of loads) {
    if (load.linesFree < 1 || load.callsAllowedNow < 1) continue;
    const free = expectedFreeAgents(load, answerRate);
    if (!best || free > best.free || (free === best.free && load.linesFree > best.lines)) best = { name: load.name, free, lines: load.linesFree };
  }
  return best?.name;
}

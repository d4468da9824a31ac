/**
 * What an agent campaign's calls play and record, from the campaign's own
 * settings: its abandon message, the message left on answering machines, and
 * its recording policy. A campaign that would leave machines a message it
 * does not have is refused before it dials.
 */
import type { Campaign } from '../campaign.js';
import { soundMedia } from '../campaign.js';
import type { CallMessages } from '../../engine/campaign-engine.js';
import type { RecordingPolicy } from '../../telephony/port.js';

export const DEFAULT_ABANDON_MESSAGE = 'sound:outpace/abandon';

export interface CallHandling {
  readonly messages: CallMessages;
  readonly recording: RecordingPolicy;
}

type CampaignCalls = Pick<Campaign, 'id' | 'type' | 'pacing' | 'abandonMessage' | 'machineMessage' | 'recording'>;

/** Why the campaign cannot dial as it is set, or undefined. */
export function callHandlingProblem(campaign: CampaignCalls): string | undefined {
  if (campaign.type === 'agent' && campaign.pacing.machinePolicy === 'leave-message' && !campaign.machineMessage) {
    return (
      `campaign ${campaign.id} leaves a message on answering machines (pacing.machinePolicy leave-message) but names none: ` +
      'set machineMessage to a sound such as outpace/machine-message (sounds/make-prompts.sh makes it), or set pacing.machinePolicy to hangup'
    );
  }
  return undefined;
}

/** Throws with callHandlingProblem's reason; `abandonFallback` is the process's default abandon message. */
export function callHandling(campaign: CampaignCalls, abandonFallback = DEFAULT_ABANDON_MESSAGE): CallHandling {
  const problem = callHandlingProblem(campaign);
  if (problem) throw new Error(problem);
  return {
    messages: {
      abandon: soundMedia(campaign.abandonMessage ?? abandonFallback),
      machine: campaign.machineMessage ? [soundMedia(campaign.machineMessage)] : [],
    },
    recording: campaign.recording,
  };
}

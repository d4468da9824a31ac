/**
 * Identifiers of the dialer's domain. Each is a string at run time but a
 * distinct type at compile time, so an AgentId cannot be passed where a
 * CampaignId is expected.
 */
declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

export type CampaignId = Branded<string, 'CampaignId'>;
export type AgentId = Branded<string, 'AgentId'>;
export type LeadId = Branded<string, 'LeadId'>;
export type AttemptId = Branded<string, 'AttemptId'>;
export type TrunkId = Branded<string, 'TrunkId'>;
/** A telephone number in E.164 form, such as +442071234567. */
export type E164 = Branded<string, 'E164'>;

export const CampaignId = (s: string) => s as CampaignId;
export const AgentId = (s: string) => s as AgentId;
export const LeadId = (s: string) => s as LeadId;
export const AttemptId = (s: string) => s as AttemptId;
export const TrunkId = (s: string) => s as TrunkId;

const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** Accepts only a normalised E.164 number; normalising free-form input is the importer's job. */
export function E164(s: string): E164 {
  if (!E164_PATTERN.test(s)) {
    throw new Error(`"${s}" is not an E.164 number: expected "+" then 7 to 15 digits, such as +442071234567`);
  }
  return s as E164;
}

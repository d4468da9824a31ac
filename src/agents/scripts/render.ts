/**
 * The script as the agent sees it for one lead: `{{field}}` in texts and
 * option labels replaced by the lead's value. A field the lead lacks reads
 * as empty rather than as braces, which an agent might read out to the customer.
 */
import type { ScriptDefinition, ScriptItem } from './script.js';

const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;

export interface LeadView {
  readonly phone: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export function renderText(text: string, lead: LeadView): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = name === 'phone' ? lead.phone : lead.fields[name];
    return value === undefined || value === null ? '' : String(value);
  });
}

export function renderScript(script: ScriptDefinition, lead: LeadView): ScriptDefinition {
  return { ...script, questions: script.questions.map((item) => renderItem(item, lead)) };
}

function renderItem(item: ScriptItem, lead: LeadView): ScriptItem {
  const text = renderText(item.text, lead);
  if (item.kind === 'single-choice' || item.kind === 'multiple-choice') {
    return { ...item, text, options: item.options.map((o) => ({ ...o, label: renderText(o.label, lead) })) };
  }
  return { ...item, text };
}

/**
 * Checks an ARI event against the Swagger 1.1 models Asterisk 22.10.1
 * publishes (events.json plus the Channel, Bridge, LiveRecording, Playback
 * ... models of the other resources): every required field present, every
 * field of its declared type, nested models checked in turn.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Property {
  readonly type: string;
  readonly required?: boolean;
}
interface Model {
  readonly id: string;
  /** Swagger 1.1 names the children of a model, not the parent: Message lists Event, Event lists StasisStart. */
  readonly subTypes?: readonly string[];
  readonly properties: Record<string, Property>;
}

const API_DOCS = fileURLToPath(new URL('./api-docs/', import.meta.url));

function loadModels(): Map<string, Model> {
  const models = new Map<string, Model>();
  for (const file of readdirSync(API_DOCS).filter((f) => f.endsWith('.json') && f !== 'resources.json')) {
    const doc = JSON.parse(readFileSync(`${API_DOCS}${file}`, 'utf8')) as { models?: Record<string, Model> };
    for (const [name, model] of Object.entries(doc.models ?? {})) models.set(name, model);
  }
  return models;
}

const MODELS = loadModels();
const PARENTS = new Map([...MODELS.values()].flatMap((m) => (m.subTypes ?? []).map((child) => [child, m.id] as const)));

/** Properties of a model including those it inherits (StasisStart from Event, Event from Message). */
function propertiesOf(name: string): Record<string, Property> {
  const model = MODELS.get(name);
  if (!model) return {};
  const parent = PARENTS.get(name);
  return { ...(parent ? propertiesOf(parent) : {}), ...model.properties };
}

function checkValue(value: unknown, type: string, path: string, problems: string[]): void {
  const list = /^List\[(.+)\]$/.exec(type);
  if (list) {
    if (!Array.isArray(value)) return void problems.push(`${path}: expected a list of ${list[1]}`);
    value.forEach((v, i) => checkValue(v, list[1]!, `${path}[${i}]`, problems));
    return;
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') problems.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
      return;
    case 'int':
    case 'long':
      if (!Number.isInteger(value)) problems.push(`${path}: expected an integer, got ${JSON.stringify(value)}`);
      return;
    case 'double':
      if (typeof value !== 'number') problems.push(`${path}: expected a number`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: expected a boolean`);
      return;
    case 'Date':
      if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/.test(value)) {
        problems.push(`${path}: expected an ARI date such as 2026-11-22T19:25:29.583+0000, got ${JSON.stringify(value)}`);
      }
      return;
    case 'object':
      if (typeof value !== 'object' || value === null) problems.push(`${path}: expected an object`);
      return;
    default:
      if (!MODELS.has(type)) return void problems.push(`${path}: unknown model ${type}`);
      if (typeof value !== 'object' || value === null) return void problems.push(`${path}: expected a ${type} object`);
      checkModel(value as Record<string, unknown>, type, path, problems);
  }
}

function checkModel(value: Record<string, unknown>, model: string, path: string, problems: string[]): void {
  for (const [name, prop] of Object.entries(propertiesOf(model))) {
    const field = value[name];
    if (field === undefined) {
      if (prop.required) problems.push(`${path}.${name}: required by ${model} but missing`);
      continue;
    }
    checkValue(field, prop.type, `${path}.${name}`, problems);
  }
}

/** The problems with one event; empty when it matches its model. */
export function eventProblems(event: Record<string, unknown>): string[] {
  const type = event['type'];
  if (typeof type !== 'string' || !MODELS.has(type)) return [`event type ${JSON.stringify(type)} is not an ARI event model`];
  if (PARENTS.get(type) !== 'Event') return [`${type} does not extend Event`];
  const problems: string[] = [];
  checkModel(event, type, type, problems);
  return problems;
}

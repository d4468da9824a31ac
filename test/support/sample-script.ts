/** A small branching questionnaire the script suites share. */
import type { ScriptInput } from '../../src/agents/scripts/script.js';

export const SURVEY: ScriptInput = {
  name: 'Broadband survey',
  questions: [
    { id: 'greeting', kind: 'section', text: 'Hello {{first_name}}, this is outpace calling about {{ plan }}.', next: 'customer' },
    { id: 'customer', kind: 'yes-no', text: 'Are you a customer?', branches: [{ when: false, next: 'thanks' }], next: 'speed' },
    {
      id: 'speed',
      kind: 'single-choice',
      text: 'How fast is it?',
      options: [
        { value: 'fast', label: 'Fast' },
        { value: 'slow', label: 'Slow' },
      ],
      branches: [{ when: 'slow', next: 'complaint' }],
      next: 'devices',
    },
    { id: 'complaint', kind: 'free-text', text: 'What is wrong?', next: 'devices' },
    { id: 'devices', kind: 'number', text: 'How many devices?', min: 0, max: 100, branches: [{ min: 10, next: 'business' }], next: 'thanks' },
    {
      id: 'business',
      kind: 'multiple-choice',
      text: 'What do you use it for?',
      options: [
        { value: 'work', label: 'Work' },
        { value: 'games', label: 'Games' },
      ],
      next: 'thanks',
    },
    { id: 'thanks', kind: 'section', text: 'Thank you, {{first_name}}.' },
  ],
};

/** PostgreSQL, Redis or the trunk away for a few seconds. (nothing-left-behind.ts) */
import { nothingLeftBehindAfter } from './nothing-left-behind.js';

nothingLeftBehindAfter(['postgres-outage', 'redis-outage', 'trunk-down']);

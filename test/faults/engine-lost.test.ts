/** The engine lost: killed and restarted, killed with another standing by, frozen past its lease. (nothing-left-behind.ts) */
import { nothingLeftBehindAfter } from './nothing-left-behind.js';

nothingLeftBehindAfter(['sigkill-restart', 'sigkill-takeover', 'sigstop-fenced']);

/** Asterisk's faults: the event socket cut, requests hanging, a restart. (nothing-left-behind.ts) */
import { nothingLeftBehindAfter } from './nothing-left-behind.js';

nothingLeftBehindAfter(['ari-socket-cut', 'ari-requests-hang', 'ari-server-restart']);

// Times and durations as the pages show them. Times are the server's (the
// simulated clock in the demo), shown in the zone they are given in.

/** '14:05:09' for an ISO time, in `zone` (an IANA name) or the browser's. */
export function clockTime(iso, zone) {
  return new Date(iso).toLocaleTimeString('en-GB', { timeZone: zone, hour12: false });
}

/** '1:05' or '1:02:05' for a duration in milliseconds. */
export function duration(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** '3.1%' for a share between 0 and 1; '–' when there is none yet. */
export function percent(share, digits = 1) {
  return share === null || share === undefined || Number.isNaN(share) ? '–' : `${(share * 100).toFixed(digits)}%`;
}

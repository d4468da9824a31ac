/**
 * Headless Chromium for the pages' tests: Debian's chromium, driven by
 * playwright-core. Suites skip, saying why in one line, where it is absent.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const haveChromium = existsSync(CHROMIUM);

/** Says once why `suite` is skipped; returns whether Chromium is there. */
export function chromiumOrExplain(suite: string): boolean {
  if (!haveChromium) console.warn(`${suite} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return haveChromium;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

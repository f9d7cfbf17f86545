// Headless Chromium for the browser suites: Debian's /usr/bin/chromium when the machine has it,
// else the Chromium that ships inside the @sparticuz/chromium npm package (a devDependency: it
// installs with `npm ci`, nothing to download), driven by playwright-core either way.
//
// The suites run once per LANG in BROWSER_LANGS: under a POSIX locale (C.UTF-8, the default of
// containers and servers) Chromium reports navigator.language as "en-US@posix", which is not a
// valid BCP 47 tag (host/monitor/page/locale-guard.js is the pages' answer to it).
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const BROWSER_LANGS = ["C.UTF-8", "en_US.UTF-8"] as const;
export type BrowserLang = (typeof BROWSER_LANGS)[number];

const SYSTEM_CHROMIUM = "/usr/bin/chromium";

async function executable(): Promise<{ path: string; args: string[] }> {
  if (existsSync(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, args: ["--no-sandbox"] };
  const { default: packaged } = await import("@sparticuz/chromium");
  return { path: await packaged.executablePath(), args: packaged.args };
}

/** Chromium, headless, with LANG and LC_ALL set to `lang` for the browser process. */
export async function launchChromium(lang: BrowserLang): Promise<Browser> {
  const { path, args } = await executable();
  return chromium.launch({ executablePath: path, headless: true, args, env: { ...process.env, LANG: lang, LC_ALL: lang } });
}

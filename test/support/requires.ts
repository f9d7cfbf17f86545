// System tools that some suites need beyond Node. When one is missing, the suite (or test) that
// needs it says so in one line naming the Debian package to install, and is skipped; `.ci/run`
// installs them all and fails when any test was skipped.
import { spawnSync } from "node:child_process";
import { listening } from "../../host/net/ports.js";

/** Debian puts daemons such as mosquitto in /usr/sbin, which is not on every user's PATH. */
function onPath(command: string): boolean {
  const r = spawnSync("sh", ["-c", `command -v "$1" >/dev/null 2>&1`, "sh", command], {
    env: { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` },
  });
  return r.status === 0;
}

function say(suite: string, need: string): void {
  console.warn(`[skipped] ${suite}: needs ${need}`);
}

/** True when `command` is missing (after printing which package brings it). Use with `describe.skipIf`. */
export function lacksCommand(command: string, debianPackage: string, suite: string): boolean {
  if (onPath(command)) return false;
  say(suite, `${command} (apt-get install ${debianPackage})`);
  return true;
}

/** True when nothing listens on 127.0.0.1:1883 (after saying how to get a broker there). */
export async function lacksBrokerOn1883(suite: string): Promise<boolean> {
  if (await listening(1883)) return false;
  say(suite, "an MQTT broker on 127.0.0.1:1883 (apt-get install mosquitto; it listens there once started)");
  return true;
}

// Who may speak on a board's topics (README "MQTT security"): MQTT username and password, TLS
// (`mqtts://`) with a CA and an optional client certificate. Secrets come only from the
// environment (or a config file that names files, never a password): a password in a broker URL
// would be on the command line, visible to every user of the machine in `ps`, so such a URL is
// refused. The broker enforces the rest: a password file, and an ACL that gives each board's
// credentials its own namespace immsched/<board>/# (the README has a Mosquitto example).

import { readFileSync } from "node:fs";
import type { IClientOptions } from "mqtt";
import { LinkError } from "./errors.js";

/** The environment variables read by `securityFromEnv`. */
export const MQTT_ENV = {
  username: "IMMSCHED_MQTT_USERNAME",
  password: "IMMSCHED_MQTT_PASSWORD",
  ca: "IMMSCHED_MQTT_CA",
  cert: "IMMSCHED_MQTT_CERT",
  key: "IMMSCHED_MQTT_KEY",
} as const;

export interface MqttSecurity {
  username?: string;
  password?: string;
  /** PEM file of the CA that signed the broker's certificate (mqtts://); without it, the system's CAs. */
  caFile?: string;
  /** PEM files of this client's certificate and key, for a broker that asks for one. */
  certFile?: string;
  keyFile?: string;
}

/** Credentials and TLS files from IMMSCHED_MQTT_* (unset variables are left out). */
export function securityFromEnv(env: NodeJS.ProcessEnv = process.env): MqttSecurity {
  const pick = (name: string) => (env[name] !== undefined && env[name] !== "" ? env[name] : undefined);
  const s: MqttSecurity = {
    username: pick(MQTT_ENV.username),
    password: pick(MQTT_ENV.password),
    caFile: pick(MQTT_ENV.ca),
    certFile: pick(MQTT_ENV.cert),
    keyFile: pick(MQTT_ENV.key),
  };
  if (s.password !== undefined && s.username === undefined) {
    throw new LinkError(`${MQTT_ENV.password} is set but ${MQTT_ENV.username} is not: a password needs a username`);
  }
  if ((s.certFile === undefined) !== (s.keyFile === undefined)) {
    throw new LinkError(`${MQTT_ENV.cert} and ${MQTT_ENV.key} go together: set both or neither`);
  }
  return s;
}

/** Refuses a broker URL that carries a password (it would sit on the command line). */
export function checkBrokerUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LinkError(`broker URL ${JSON.stringify(url)} is not a URL (expected mqtt://HOST:PORT or mqtts://HOST:PORT)`);
  }
  if (u.password !== "") {
    throw new LinkError(
      `broker URL ${u.protocol}//${u.username}:***@${u.host} carries a password: anyone on this machine can read it from the process list; put it in ${MQTT_ENV.password} (and the user in ${MQTT_ENV.username})`,
    );
  }
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new LinkError(`cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The mqtt.js connect options for `s`: credentials, and TLS files read now (a missing file is an error naming it). */
export function clientSecurityOptions(s: MqttSecurity): Partial<IClientOptions> {
  const o: Partial<IClientOptions> = {};
  if (s.username !== undefined) o.username = s.username;
  if (s.password !== undefined) o.password = s.password;
  if (s.caFile !== undefined) o.ca = readPem(s.caFile, `CA certificate (${MQTT_ENV.ca})`);
  if (s.certFile !== undefined) o.cert = readPem(s.certFile, `client certificate (${MQTT_ENV.cert})`);
  if (s.keyFile !== undefined) o.key = readPem(s.keyFile, `client key (${MQTT_ENV.key})`);
  // a broker whose certificate does not verify against the CA is refused, never trusted blindly
  o.rejectUnauthorized = true;
  return o;
}

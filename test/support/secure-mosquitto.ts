// A Mosquitto of the test's own that lets nobody in anonymously: a password file, an ACL that
// gives each board's user its own namespace immsched/<user>/# (the host's user sees them all),
// a plain listener and a TLS listener whose certificates the test makes with openssl.
import { spawn, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts, waitListening } from "../../host/net/ports.js";

export interface SecureMosquitto {
  /** mqtt://127.0.0.1:PORT: passwords, no TLS. */
  plainUrl: string;
  /** mqtts://127.0.0.1:PORT: passwords and TLS. */
  tlsUrl: string;
  /** PEM of the CA that signed the broker's certificate. */
  caFile: string;
  /** PEM of a CA that signed nothing here (a client trusting it must not get in). */
  otherCaFile: string;
  /** user -> password */
  users: Record<string, string>;
  close(): void;
}

const MOSQUITTO = existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, valid one day. */
function makeCertificates(dir: string): void {
  for (const ca of ["ca", "other-ca"]) {
    openssl(dir, [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${ca}.key`,
      "-out",
      `${ca}.crt`,
      "-days",
      "1",
      "-subj",
      `/CN=immsched-test-${ca}`,
    ]);
  }
  openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "1",
    "-extfile",
    "san.ext",
  ]);
}

export async function startSecureMosquitto(users: Record<string, string>, hostUser: string): Promise<SecureMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "immsched-secure-mosquitto-"));
  // Mosquitto started as root drops to its own user before it reads these: let it read them
  chmodSync(dir, 0o755);
  makeCertificates(dir);
  const passwd = join(dir, "passwd");
  writeFileSync(passwd, "");
  for (const [u, p] of Object.entries(users)) execFileSync("mosquitto_passwd", ["-b", passwd, u, p], { stdio: "ignore" });
  writeFileSync(join(dir, "acl"), [`user ${hostUser}`, "topic readwrite immsched/#", "", "pattern readwrite immsched/%u/#", ""].join("\n"));
  const [plain, tls] = (await freePorts(2)) as [number, number];
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      "per_listener_settings false",
      "allow_anonymous false",
      `password_file ${passwd}`,
      `acl_file ${join(dir, "acl")}`,
      "set_tcp_nodelay true",
      `listener ${plain} 127.0.0.1`,
      `listener ${tls} 127.0.0.1`,
      `cafile ${join(dir, "ca.crt")}`,
      `certfile ${join(dir, "server.crt")}`,
      `keyfile ${join(dir, "server.key")}`,
      "",
    ].join("\n"),
  );
  for (const f of ["passwd", "acl", "mosquitto.conf", "ca.crt", "server.crt", "server.key"]) chmodSync(join(dir, f), 0o644);
  let stderr = "";
  const child = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.on("data", (d) => (stderr += d));
  const close = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitListening(plain);
    await waitListening(tls);
  } catch (err) {
    close();
    throw new Error(`secure mosquitto did not start: ${stderr || (err as Error).message}`);
  }
  return {
    plainUrl: `mqtt://127.0.0.1:${plain}`,
    tlsUrl: `mqtts://127.0.0.1:${tls}`,
    caFile: join(dir, "ca.crt"),
    otherCaFile: join(dir, "other-ca.crt"),
    users,
    close,
  };
}

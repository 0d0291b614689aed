// A real redis-server for the queue tests: on a free local port, in a temp dir, with the
// queue persisted by AOF (fsync on every write), stopped by the test. Tests skip with a clear
// message when the binary is missing (.ci/run installs it).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Why the queue tests cannot run here, or undefined when redis-server is installed. */
export function redisMissing(): string | undefined {
  const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return found.status === 0 ? undefined : "redis-server is not installed (apt-get install redis-server; .ci/run does)";
}

/** Why the TLS test cannot run here (no openssl to make a certificate), or undefined. */
export function opensslMissing(): string | undefined {
  return spawnSync("openssl", ["version"]).status === 0 ? undefined : "openssl is not installed (needed to make a test certificate)";
}

/** A free TCP port on 127.0.0.1 (free when asked; the server binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), "adept-redis-"));
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly password: string,
    /** TLS only (`rediss://`), with a self-signed certificate for 127.0.0.1 in `dir`/cert.pem. */
    readonly tls: boolean,
  ) {}

  /** `redis://:password@127.0.0.1:port` (`rediss://` with TLS). */
  get url(): string {
    return `redis${this.tls ? "s" : ""}://:${this.password}@127.0.0.1:${this.port}`;
  }

  /** The certificate a TLS server presents (pass it to clients as NODE_EXTRA_CA_CERTS). */
  get certificate(): string {
    return join(this.dir, "cert.pem");
  }

  static async start(password = "pw-Zx81-secret", tls = false): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), password, tls);
    if (tls) {
      const made = spawnSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          "subjectAltName=IP:127.0.0.1",
        ].concat(["-keyout", join(server.dir, "key.pem"), "-out", server.certificate]),
        { encoding: "utf8" },
      );
      if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
    }
    await server.launch();
    return server;
  }

  /** (Re)starts the server on the same port and directory; resolves when it accepts commands. */
  async launch(): Promise<void> {
    const args = ["--bind", "127.0.0.1", "--dir", this.dir, "--appendonly", "yes", "--appendfsync", "always"];
    args.push("--save", "", "--requirepass", this.password, "--logfile", join(this.dir, "redis.log"));
    const key = join(this.dir, "key.pem");
    if (this.tls) args.push("--port", "0", "--tls-port", String(this.port), "--tls-cert-file", this.certificate, "--tls-key-file", key);
    if (this.tls) args.push("--tls-ca-cert-file", this.certificate, "--tls-auth-clients", "no");
    else args.push("--port", String(this.port));
    const cli = [
      "-p",
      String(this.port),
      "--no-auth-warning",
      "-a",
      this.password,
      ...(this.tls ? ["--tls", "--cacert", this.certificate] : []),
    ];
    this.child = spawn("redis-server", args, { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ping = spawnSync("redis-cli", [...cli, "ping"], { encoding: "utf8" });
      if (ping.stdout.trim() === "PONG") return;
      if (Date.now() > deadline) {
        this.child.kill("SIGKILL"); // not left behind to keep the test process alive
        throw new Error(`redis-server on port ${this.port} did not start (see ${this.dir}/redis.log)`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills the server at once (SIGKILL: no shutdown save; AOF with fsync always keeps every acknowledged write). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.once("exit", () => done());
      child.kill("SIGKILL");
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

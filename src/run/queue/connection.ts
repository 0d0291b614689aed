/**
 * The Redis a queued sweep runs on: `redis://[:password@]host[:port][/db]`, or `rediss://…`
 * for TLS. ioredis parses the URL (password, db, TLS); this module adds the two things the
 * CLI needs around it: the URL as it may be shown (the password replaced by `***`, in every
 * log line, status view and error), and a one-line error when the server cannot be reached,
 * instead of a client retrying forever in the background.
 */
import { Redis, type RedisOptions } from "ioredis";
import { UserError } from "../../util/errors.js";

/** A Redis URL that does not parse, or a server that does not answer. */
export class QueueError extends UserError {
  override name = "QueueError";
}

/** A parsed queue URL: what to connect with, and how it may be shown. */
export interface QueueUrl {
  /** The URL as given (with its password): only for the client, never printed. */
  url: string;
  /** The URL with its password replaced by `***`. */
  display: string;
  /** The password, so that any text may be scrubbed of it ({@link QueueUrl.scrub}). */
  password?: string;
  /** `text` with the password (if any) replaced by `***`. */
  scrub(text: string): string;
}

/** Parses and checks a `redis://` / `rediss://` URL; the error never contains the password. */
export function parseQueueUrl(url: string): QueueUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: echo it with anything between a ":" and an "@" masked, as it may hold a password.
    throw new QueueError(
      `--queue must be a URL like redis://host:6379 or rediss://:password@host:6380/0, got "${url.replace(/:[^@\s]*@/g, ":***@")}"`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")
    throw new QueueError(`--queue must start with redis:// or rediss:// (TLS), got "${parsed.protocol}//…"`);
  if (parsed.hostname === "") throw new QueueError(`--queue ${redact(url)}: no host`);
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new QueueError(`--queue ${redact(url)}: the path must be a database number (/0), got "/${db}"`);
  const password = parsed.password === "" ? undefined : decodeURIComponent(parsed.password);
  const scrub = (text: string): string => {
    if (password === undefined) return text;
    return text.split(password).join("***").split(parsed.password).join("***");
  };
  return { url, display: redact(url), password, scrub };
}

/** A URL with the password (the part between `:` and `@` after the scheme) replaced by `***`. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}

/**
 * Connection options for BullMQ: `maxRetriesPerRequest: null` as BullMQ requires for workers
 * (a command waits for the server to come back instead of failing), so a Redis restart is a
 * pause, not a crash.
 */
export function connectionOptions(): RedisOptions {
  return { maxRetriesPerRequest: null };
}

/** A client on `queue` for BullMQ (reconnects forever; see {@link connectionOptions}). */
export function connect(queue: QueueUrl): Redis {
  return new Redis(queue.url, connectionOptions());
}

/**
 * Checks that the server answers (PING) within `timeoutMs`, with a client that does not
 * retry; throws one line naming the URL (without its password) and why.
 */
export async function checkReachable(queue: QueueUrl, timeoutMs = 5000): Promise<void> {
  const client = new Redis(queue.url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let first: Error | undefined; // the socket's own error (ECONNREFUSED, WRONGPASS…), not "Connection is closed"
  client.on("error", (error: Error) => {
    first ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = (first ?? error) as NodeJS.ErrnoException;
    const reason =
      cause.code && cause.code !== "ERR"
        ? `${cause.code}${cause.message.includes(cause.code) ? "" : ` (${cause.message})`}`
        : cause.message;
    throw new QueueError(`cannot reach Redis at ${queue.display}: ${queue.scrub(String(reason))}`);
  } finally {
    client.disconnect();
  }
}

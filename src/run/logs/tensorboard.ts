/**
 * TensorBoard event files: scalars as `Event { wall_time, step, summary { value { tag,
 * simple_value } } }` protocol buffers (protobufjs, against the messages and field numbers of
 * TensorBoard's tensorboard/compat/proto/event.proto and summary.proto, of which only the
 * fields used here are declared), framed as TFRecords: little-endian u64 length, its masked
 * CRC-32C, the bytes, their masked CRC-32C. The first event of a file names the format
 * version, `brain.Event:2`, as TensorBoard expects.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import crc32c from "crc-32/crc32c.js";
import protobuf from "protobufjs";

/** The subset of event.proto / summary.proto adept writes (same packages, names and numbers). */
const SCHEMA = `
syntax = "proto3";
package tensorboard;
message Summary {
  message Value {
    string tag = 1;
    oneof value { float simple_value = 2; }
  }
  repeated Value value = 1;
}
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}
`;

const Event = protobuf.parse(SCHEMA).root.lookupType("tensorboard.Event");

/** One decoded event: the version record, or scalars at a step. */
export interface TensorBoardEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: Record<string, number>;
}

/** TFRecord's masked CRC-32C (the mask keeps CRCs of CRCs from being degenerate). */
function maskedCrc(bytes: Uint8Array): number {
  const crc = crc32c.buf(bytes) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, CRC of the length, data, CRC of the data. */
function record(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc(data), 12 + data.length);
  return out;
}

function encode(event: { wallTime: number; step: number; fileVersion?: string; scalars?: Record<string, number> }): Buffer {
  const message = Event.fromObject({
    wallTime: event.wallTime,
    step: event.step,
    ...(event.fileVersion !== undefined
      ? { fileVersion: event.fileVersion }
      : { summary: { value: Object.entries(event.scalars ?? {}).map(([tag, simpleValue]) => ({ tag, simpleValue })) } }),
  });
  return record(Event.encode(message).finish());
}

/** Appends scalar events to one event file (`events.out.tfevents.<time>.<host>`) in a folder. */
export class TensorBoardWriter {
  readonly path: string;

  constructor(dir: string, wallTime = Date.now() / 1000) {
    this.path = join(dir, `events.out.tfevents.${Math.floor(wallTime)}.${hostname()}`);
    writeFileSync(this.path, encode({ wallTime, step: 0, fileVersion: "brain.Event:2" }));
  }

  /** One event with a scalar per finite value, at `step`. */
  write(step: number, values: Record<string, number>, wallTime = Date.now() / 1000): void {
    const scalars = Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === "number" && Number.isFinite(v)));
    appendFileSync(this.path, encode({ wallTime, step, scalars }));
  }
}

/** Reads an event file back, checking every record's CRCs (the inverse of the writer, by the same schema). */
export function readEventFile(path: string): TensorBoardEvent[] {
  const bytes = readFileSync(path);
  const events: TensorBoardEvent[] = [];
  for (let at = 0; at < bytes.length; ) {
    if (at + 12 > bytes.length) throw new Error(`${path}: truncated record header at byte ${at}`);
    const length = Number(bytes.readBigUInt64LE(at));
    if (bytes.readUInt32LE(at + 8) !== maskedCrc(bytes.subarray(at, at + 8))) throw new Error(`${path}: bad length CRC at byte ${at}`);
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (data.length !== length || at + 16 + length > bytes.length) throw new Error(`${path}: truncated record at byte ${at}`);
    if (bytes.readUInt32LE(at + 12 + length) !== maskedCrc(data)) throw new Error(`${path}: bad data CRC at byte ${at}`);
    const event = Event.toObject(Event.decode(data), { longs: Number, defaults: true, oneofs: true }) as {
      wallTime: number;
      step: number;
      fileVersion?: string;
      summary?: { value: { tag: string; simpleValue: number }[] };
    };
    events.push({
      wallTime: event.wallTime,
      step: event.step,
      ...(event.fileVersion ? { fileVersion: event.fileVersion } : {}),
      scalars: Object.fromEntries((event.summary?.value ?? []).map((v) => [v.tag, v.simpleValue])),
    });
    at += 16 + length;
  }
  return events;
}

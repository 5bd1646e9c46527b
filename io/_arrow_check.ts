// A bounds check of one Arrow IPC record batch message (its flatbuffer)
// before apache-arrow decodes it. The decoder trusts every vector length it
// finds: a flipped byte in a file can declare a vector of 600 million field
// nodes, and decoding it runs the engine out of memory. Here every table,
// vtable and vector the decoder will walk must lie inside the message bytes.
// Private to io/arrow.ts.

/** Message.header_type of a record batch (Schema.fbs: MessageHeader). */
const RECORD_BATCH = 3;

class Flat {
  readonly #b: Uint8Array;
  readonly #v: DataView;
  constructor(bytes: Uint8Array) {
    this.#b = bytes;
    this.#v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #fits(at: number, n: number): boolean {
    return Number.isSafeInteger(at) && at >= 0 && at + n <= this.#b.length;
  }

  u32(at: number): number {
    if (!this.#fits(at, 4)) throw new RangeError(`offset ${at} is outside the message`);
    return this.#v.getUint32(at, true);
  }

  /** The position of each field of the table at `t` (0 when absent). */
  table(t: number): (k: number) => number {
    if (!this.#fits(t, 4)) throw new RangeError(`table at ${t} is outside the message`);
    const vt = t - this.#v.getInt32(t, true);
    if (!this.#fits(vt, 4)) throw new RangeError(`vtable at ${vt} is outside the message`);
    const vtSize = this.#v.getUint16(vt, true);
    const tSize = this.#v.getUint16(vt + 2, true);
    if (vtSize < 4 || !this.#fits(vt, vtSize) || !this.#fits(t, tSize)) {
      throw new RangeError(`table at ${t} runs past the message`);
    }
    return (k: number): number => {
      if (4 + 2 * k + 2 > vtSize) return 0;
      const off = this.#v.getUint16(vt + 4 + 2 * k, true);
      if (off !== 0 && off >= tSize) throw new RangeError(`field ${k} of table ${t} is outside it`);
      return off === 0 ? 0 : t + off;
    };
  }

  /** The target of the offset field at `p`. */
  deref(p: number): number {
    return p + this.u32(p);
  }

  /** Checks the vector at field position `p` of elements of `size` bytes. */
  vector(p: number, size: number, what: string): void {
    if (p === 0) return;
    const v = this.deref(p);
    const n = this.u32(v);
    if (!this.#fits(v + 4, n * size)) {
      throw new RangeError(`${what} declares ${n} entries, more than the message holds`);
    }
  }

  byte(p: number): number {
    if (!this.#fits(p, 1)) throw new RangeError(`offset ${p} is outside the message`);
    return this.#b[p];
  }
}

/**
 * Checks that the flatbuffer of a record batch message is self-consistent
 * enough to decode: its tables and vectors lie inside it.
 *
 * @param bytes The message flatbuffer (after the continuation and length words).
 * @returns What is wrong, or null when it may be decoded.
 */
export function checkRecordBatchMessage(bytes: Uint8Array): string | null {
  try {
    const f = new Flat(bytes);
    const message = f.table(f.u32(0));
    const type = message(1);
    if (type === 0 || f.byte(type) !== RECORD_BATCH) return "the message is not a record batch";
    f.vector(message(4), 4, "the custom metadata");
    const header = message(2);
    if (header === 0) return "the record batch has no header";
    const batch = f.table(f.deref(header));
    f.vector(batch(1), 16, "the list of field nodes");
    f.vector(batch(2), 16, "the list of buffers");
    if (batch(3) !== 0) f.table(f.deref(batch(3)));
    f.vector(batch(4), 8, "the list of variadic buffer counts");
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

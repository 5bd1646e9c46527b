// One WebAssembly.Memory shared by every kernel, handing out 4096-byte-aligned
// regions. IO reads file data straight into a region (aligned reads are 4x
// faster, PERFORMANCE.md item 1) and kernels run on it without a copy.
//
// The memory is *shared* (backed by a SharedArrayBuffer) by default, so growing
// it never detaches a view handed out earlier: `memory.grow` gives
// `memory.buffer` a new, longer SharedArrayBuffer object over the same bytes,
// and old views stay valid over their old range. (A non-shared arena is
// available with `{ shared: false }`; there, growth detaches every earlier
// view, and `ArenaSpan` getters re-derive them: read a view from the span after
// any call that may allocate, never hold one across it.)

/** Bytes of one wasm page. */
const PAGE = 65536;
/** Alignment of every region. */
export const ALIGN = 4096;

/** Options of a {@link WasmArena}. */
export interface WasmArenaOptions {
  /** Initial size in bytes (rounded up to 64 KiB pages); default 1 MiB. */
  initialBytes?: number;
  /** Largest size in bytes; default 4 GiB minus one page (wasm32's limit). */
  maximumBytes?: number;
  /** Back the memory by a SharedArrayBuffer (views survive growth); default true. */
  shared?: boolean;
}

/**
 * A span of arena memory. `ptr` is its byte address in the wasm memory (a
 * multiple of 4096). The views are getters that always answer over the
 * current buffer, so they are valid even after the arena grew.
 */
export class ArenaSpan {
  readonly #arena: WasmArena;
  /** Byte address in the wasm memory. */
  readonly ptr: number;
  /** Length in bytes. */
  readonly bytes: number;
  #u8: Uint8Array | null = null;

  /** @internal Use {@link WasmArena.alloc}. */
  constructor(arena: WasmArena, ptr: number, bytes: number) {
    this.#arena = arena;
    this.ptr = ptr;
    this.bytes = bytes;
  }

  /** The region's bytes (re-derived when the arena's buffer changed). */
  get u8(): Uint8Array {
    const buf = this.#arena.memory.buffer;
    if (this.#u8 === null || this.#u8.buffer !== buf) {
      this.#u8 = new Uint8Array(buf, this.ptr, this.bytes);
      this.#arena.remember(buf);
    }
    return this.#u8;
  }

  /** The region as float32 elements (its length floored to whole elements). */
  get f32(): Float32Array {
    return this.view(Float32Array);
  }

  /** The region as float64 elements (its length floored to whole elements). */
  get f64(): Float64Array {
    return this.view(Float64Array);
  }

  /**
   * A typed view of the first `length` elements (default: as many as fit).
   *
   * @param ctor The typed array class.
   * @param length Element count.
   * @returns A view over the arena's current buffer.
   */
  view<A extends ArrayBufferView>(
    ctor: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): A } & {
      BYTES_PER_ELEMENT: number;
    },
    length?: number,
  ): A {
    const n = length ?? Math.floor(this.bytes / ctor.BYTES_PER_ELEMENT);
    if (n * ctor.BYTES_PER_ELEMENT > this.bytes) {
      throw new RangeError(`Cannot view ${n} elements in a region of ${this.bytes} bytes`);
    }
    const buf = this.u8.buffer;
    return new ctor(buf, this.ptr, n);
  }

  /** Returns the region to its arena. Idempotent. */
  free(): void {
    this.#arena.free(this);
  }

  /** Same as {@link free}, for `using`. */
  [Symbol.dispose](): void {
    this.free();
  }
}

/**
 * Owns one WebAssembly.Memory used by every kernel and hands out aligned
 * regions of it (first fit over a coalescing free list). Kernel modules import
 * `arena.memory`.
 */
export class WasmArena {
  /** The memory every kernel imports. */
  readonly memory: WebAssembly.Memory;
  /** Whether the memory is a SharedArrayBuffer (growth never detaches views). */
  readonly shared: boolean;
  /** Maximum size in 64 KiB pages. */
  readonly maximumPages: number;
  // free spans [ptr, bytes], sorted by ptr, coalesced
  #free: [number, number][] = [];
  #top = ALIGN; // address 0..4095 is never handed out (a null ptr stays invalid)
  readonly #live = new Map<number, ArenaSpan>();
  readonly #buffers = new WeakSet<ArrayBufferLike>();

  /** @param options Initial and maximum sizes, sharing. */
  constructor(options: WasmArenaOptions = {}) {
    const initial = Math.max(1, Math.ceil((options.initialBytes ?? (1 << 20)) / PAGE));
    this.maximumPages = Math.min(
      65535,
      Math.floor((options.maximumBytes ?? 65535 * PAGE) / PAGE),
    );
    if (initial > this.maximumPages) {
      throw new RangeError(`Invalid arena size ${options.initialBytes}: above the maximum`);
    }
    this.shared = options.shared ?? true;
    this.memory = new WebAssembly.Memory({
      initial,
      maximum: this.maximumPages,
      shared: this.shared,
    });
    this.remember(this.memory.buffer);
  }

  /** Current size of the memory in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes currently handed out (aligned sizes). */
  get usedBytes(): number {
    let n = 0;
    for (const r of this.#live.values()) n += roundUp(r.bytes);
    return n;
  }

  /** @internal Records a buffer object of this memory (for {@link contains}). */
  remember(buf: ArrayBufferLike): void {
    this.#buffers.add(buf);
  }

  /**
   * Whether `view` lies in this arena's memory, so kernels can use it without
   * a copy.
   */
  contains(view: ArrayBufferView): boolean {
    const buf = view.buffer;
    if (buf === this.memory.buffer) return true;
    // A shared memory's earlier buffer objects stay valid after growth.
    return this.shared && this.#buffers.has(buf);
  }

  /**
   * The wasm address of a view of this arena's memory.
   *
   * @throws {RangeError} When the view is not in the arena.
   */
  ptrOf(view: ArrayBufferView): number {
    if (!this.contains(view)) throw new RangeError("View is not in the wasm arena");
    return view.byteOffset;
  }

  /**
   * Grows the memory so that at least `bytes` more can be allocated without
   * growing again (do this before starting async reads into a non-shared
   * arena).
   */
  reserve(bytes: number): void {
    this.#ensureTop(this.#top + roundUp(bytes), bytes);
  }

  /**
   * Allocates `bytes` (rounded up to 4096) at a 4096-aligned address. The
   * contents are not cleared.
   *
   * @throws {RangeError} When the memory cannot grow that far.
   */
  alloc(bytes: number): ArenaSpan {
    if (!(bytes >= 0) || !Number.isSafeInteger(bytes)) {
      throw new RangeError(`Invalid allocation size ${bytes}`);
    }
    const size = roundUp(Math.max(bytes, 1));
    let ptr = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const [p, n] = this.#free[i];
      if (n >= size) {
        ptr = p;
        if (n === size) this.#free.splice(i, 1);
        else this.#free[i] = [p + size, n - size];
        break;
      }
    }
    if (ptr < 0) {
      // extend from the top, absorbing a free span that ends at the top
      const last = this.#free[this.#free.length - 1];
      const atTop = last !== undefined && last[0] + last[1] === this.#top;
      ptr = atTop ? last[0] : this.#top;
      this.#ensureTop(ptr + size, bytes);
      if (atTop) this.#free.pop();
      this.#top = ptr + size;
    }
    const r = new ArenaSpan(this, ptr, bytes);
    this.#live.set(ptr, r);
    return r;
  }

  /** Returns a region to the free list. Freeing twice is a no-op. */
  free(region: ArenaSpan): void {
    if (this.#live.get(region.ptr) !== region) return;
    this.#live.delete(region.ptr);
    const span: [number, number] = [region.ptr, roundUp(Math.max(region.bytes, 1))];
    const f = this.#free;
    let i = 0;
    while (i < f.length && f[i][0] < span[0]) i++;
    f.splice(i, 0, span);
    // coalesce with the next, then the previous
    if (i + 1 < f.length && f[i][0] + f[i][1] === f[i + 1][0]) {
      f[i][1] += f[i + 1][1];
      f.splice(i + 1, 1);
    }
    if (i > 0 && f[i - 1][0] + f[i - 1][1] === f[i][0]) {
      f[i - 1][1] += f[i][1];
      f.splice(i, 1);
    }
  }

  /** Frees every region at once (the memory keeps its size for reuse). */
  reset(): void {
    this.#live.clear();
    this.#free = [];
    this.#top = ALIGN;
  }

  #ensureTop(end: number, bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil(end / PAGE);
    if (pages > this.maximumPages) {
      throw new RangeError(
        `Cannot allocate ${bytes} bytes in the wasm arena: its limit is ${
          this.maximumPages * PAGE
        } bytes and ${this.usedBytes} are in use`,
      );
    }
    // grow geometrically (at least 1/4 more) to amortise repeated growth
    const cur = have / PAGE;
    const want = Math.min(this.maximumPages, Math.max(pages, Math.ceil(cur * 1.25)));
    this.memory.grow(want - cur);
    this.remember(this.memory.buffer);
  }
}

function roundUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

let DEFAULT: WasmArena | null = null;

/**
 * The process's (or worker's) arena: every kernel in `kernels.ts` runs on it,
 * and IO that wants zero-copy kernels reads into regions of it.
 */
export function wasmArena(): WasmArena {
  return DEFAULT ??= new WasmArena();
}

/** A view of arena memory holding a typed array's elements, and how to release it. */
export interface InWasm<A extends ArrayBufferView> {
  /** The view in arena memory (the input itself when it already was). */
  view: A;
  /** Wasm byte address of `view`. */
  ptr: number;
  /** The scratch region holding the copy, or null when no copy was made. */
  region: ArenaSpan | null;
}

/**
 * Returns `a` itself when it is a view of arena memory, or else a copy of it
 * in a fresh scratch region (free it with `result.region?.free()`).
 *
 * @param a A typed array anywhere.
 * @param arena The arena (default: {@link wasmArena}).
 * @param copy Whether to copy the contents (false: just allocate, for outputs).
 */
export function ensureInWasm<
  A extends Float32Array | Float64Array | Uint8Array | Int32Array | Uint32Array,
>(
  a: A,
  arena: WasmArena = wasmArena(),
  copy = true,
): InWasm<A> {
  if (arena.contains(a)) return { view: a, ptr: a.byteOffset, region: null };
  const region = arena.alloc(a.byteLength);
  const ctor = a.constructor as unknown as {
    new (b: ArrayBufferLike, o: number, n: number): A;
  };
  const view = new ctor(region.u8.buffer, region.ptr, a.length);
  if (copy) (view as unknown as { set(x: A): void }).set(a);
  return { view, ptr: region.ptr, region };
}

/**
 * `EngineError`: what a {@link Context} throws when its engines fail.
 *
 * @module
 */

/** Why a {@link EngineError} was thrown. */
export type EngineErrorReason = "start" | "exit" | "throw" | "timeout" | "closed";

/** The error an engine threw, as it came over the wire. */
export interface RemoteError {
  /** The error's class name on the engine (`RangeError`, `ShapeMismatchError`, ...). */
  readonly name: string;
  /** Its message. */
  readonly message: string;
  /** Its stack on the engine, when it had one. */
  readonly stack?: string;
}

/**
 * A failure of the engines of a {@link Context}: they could not start
 * (`reason: "start"`), one exited or lost its connection (`"exit"`; the
 * context is then unusable and its engines are ended), a command threw on
 * some engines (`"throw"`; `remote` holds the first engine's error; the
 * context stays usable when every engine answered), a call took longer than
 * the context's `callTimeoutMs` (`"timeout"`; the engines are ended), or the
 * context is closed (`"closed"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EngineError } from "./engine_error.ts";
 * const e = new EngineError("Engine 1 threw RangeError: bad axis", {
 *   reason: "throw",
 *   rank: 1,
 *   remote: { name: "RangeError", message: "bad axis" },
 * });
 * assert.equal(e.name, "EngineError");
 * assert.equal(e.remote?.name, "RangeError");
 * ```
 */
export class EngineError extends Error {
  /** Why it was thrown. */
  readonly reason: EngineErrorReason;
  /** The engine (MPI rank) concerned, or null when not one in particular. */
  readonly rank: number | null;
  /** The error the engine threw (`reason: "throw"`), else null. */
  readonly remote: RemoteError | null;

  /**
   * Makes the error.
   *
   * @param message What happened.
   * @param options `reason`, `rank`, `remote`, `cause`.
   */
  constructor(
    message: string,
    options: {
      reason: EngineErrorReason;
      rank?: number | null;
      remote?: RemoteError | null;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "EngineError";
    this.reason = options.reason;
    this.rank = options.rank ?? null;
    this.remote = options.remote ?? null;
  }
}

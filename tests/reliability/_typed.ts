// Shared by the reliability tests: which errors count as "typed" (an error
// the code means to throw, with a message of its own) and which are a crash
// from inside (a raw TypeError from reading a property of undefined, a stack
// overflow, an allocation failure).

import { FormatError } from "../../core/errors.ts";

/** V8's own messages: an error with one of these escaped from inside the code. */
const RAW =
  /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Maximum call stack|Invalid array length|Invalid typed array length|Array buffer allocation failed|Cannot convert|Invalid string length|out of memory|outside the bounds|cannot be converted to a BigInt|Do not know how to serialize|Invalid time value|Unexpected token .* in JSON/;

/**
 * Whether `e` is a typed error: a FormatError, a SyntaxError (any subclass),
 * or a TypeError/RangeError/Deno error whose message is the code's own.
 */
export function isTyped(e: unknown): boolean {
  if (e instanceof FormatError) return true;
  if (!(e instanceof Error)) return false;
  if (e instanceof SyntaxError) return !RAW.test(e.message);
  if (e instanceof TypeError || e instanceof RangeError) return !RAW.test(e.message);
  return false;
}

/** Throws an assertion error describing `e` unless it is typed. */
export function assertTyped(e: unknown, input: string): void {
  if (!isTyped(e)) {
    const err = e as Error;
    throw new Error(
      `Untyped error for input ${
        input.slice(0, 300)
      }: ${err?.name}: ${err?.message}\n${err?.stack}`,
      { cause: e },
    );
  }
}

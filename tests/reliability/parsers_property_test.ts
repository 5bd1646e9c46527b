// Property tests of the text and header parsers on random and mutated inputs:
// every input either parses or throws a typed error (FormatError, a
// SyntaxError subclass, TypeError or RangeError with the code's own message),
// never a raw TypeError from inside or a stack overflow, and always fast.
//
// Counts (fuzz inputs per parser, fixed seeds):
//   .npy header  (io/_npy_header.ts)  17,000: 3,000 random byte strings, 5,000 mutated
//                                      valid headers (whole-file open path too), 4,000 random
//                                      dict texts, 3,000 random Python literals, 2,000 deep nests
//   locator      (io/locator.ts)       9,000: 4,000 random strings, 3,000 built from
//                                      extensions and separators, 2,000 with each format option
//   expression   (stream/expr.ts)     11,000: 4,000 random strings, 4,000 random token
//                                      sequences, 2,000 valid trees (format/parse round trip),
//                                      1,000 deep nests
//   total 37,000 inputs in 12 properties
//
//   deno test -A tests/reliability/parsers_property_test.ts

import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { DTYPE_NAMES, DTYPES } from "../../core/dtype.ts";
import {
  formatHeader,
  parseHeaderText,
  parsePrefix,
  parsePyLiteral,
} from "../../io/_npy_header.ts";
import { formatLocator, parseLocator } from "../../io/locator.ts";
import {
  ExpressionSyntaxError,
  formatExpression,
  MAX_EXPRESSION_DEPTH,
  parseExpression,
} from "../../stream/expr.ts";
import { assertTyped } from "./_typed.ts";

const SEED = 20261202;

/** Runs `f`; returns its value, or null after checking the error is typed. */
function attempt<T>(input: string, f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    assertTyped(e, input);
    return null;
  }
}

function hex(b: Uint8Array): string {
  return [...b.subarray(0, 120)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** The header parsing steps of NpyFile.open on the bytes of a whole file. */
function parseNpyBytes(bytes: Uint8Array): unknown {
  const { version, headerStart, headerLength } = parsePrefix("fuzz.npy", bytes.subarray(0, 12));
  if (headerStart + headerLength > bytes.length) return null;
  return parseHeaderText(
    "fuzz.npy",
    version,
    bytes.subarray(headerStart, headerStart + headerLength),
    headerStart + headerLength,
  );
}

/**
 * Random text of up to `max` characters: latin-1, and a few characters that
 * break naive code (a lone surrogate, an astral character, U+2028, NUL).
 * (fast-check's own "binary" strings are 100x slower to generate.)
 */
function anyText(max: number): fc.Arbitrary<string> {
  const odd = ["\ud800", "\u{1f600}", "\u2028", "\u0000", "\u00e9", "\uffff"];
  return fc.uint8Array({ maxLength: max }).map((b) =>
    Array.from(b, (x) => (x >= 250 ? odd[x - 250] : String.fromCharCode(x))).join("")
  );
}

// ---------------------------------------------------------------------------
// .npy header

const validHeader = fc.tuple(
  fc.constantFrom(...DTYPE_NAMES),
  fc.array(fc.nat({ max: 100_000 }), { maxLength: 6 }),
  fc.boolean(),
  fc.constantFrom<(1 | 2 | 3 | undefined)[]>(1, 2, 3, undefined),
).map(([dtype, shape, fortran, version]) => formatHeader(dtype, shape, fortran, version));

Deno.test("npy header parser: 3,000 random byte strings give a header or a typed error", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
      attempt(hex(bytes), () => parseNpyBytes(bytes));
    }),
    { numRuns: 3000, seed: SEED },
  );
});

Deno.test("npy header parser: 5,000 mutated valid headers give a header or a typed error", () => {
  const mutation = fc.tuple(
    validHeader,
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.constantFrom("set", "cut", "dup")), {
      minLength: 1,
      maxLength: 6,
    }),
  ).map(([h, edits]) => {
    let b = h;
    for (const [at, v, kind] of edits) {
      const i = at % Math.max(1, b.length);
      if (kind === "set") {
        b = b.slice();
        b[i] = v;
      } else if (kind === "cut") b = b.slice(0, i);
      else b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(i, i + 8), ...b.subarray(i)]);
    }
    return b;
  });
  let parsed = 0;
  fc.assert(
    fc.property(mutation, (bytes) => {
      const h = attempt(hex(bytes), () => parseNpyBytes(bytes)) as
        | { shape: number[]; dtype: string }
        | null;
      if (h) {
        parsed++;
        assert.ok(h.shape.every((d) => Number.isSafeInteger(d) && d >= 0));
        assert.ok(h.dtype in DTYPES);
      }
    }),
    { numRuns: 5000, seed: SEED },
  );
  // the mutations leave some headers valid: the success path is exercised too
  assert.ok(parsed > 0);
});

Deno.test("npy header parser: 4,000 random dict texts give a header or a typed error", () => {
  const key = fc.constantFrom("'descr'", "'fortran_order'", "'shape'", "'x'", "1", "()", "None");
  const val = fc.oneof(
    fc.constantFrom(
      "'<f8'",
      "'>i2'",
      "'|b1'",
      "'<c16'",
      "'O'",
      "[('a', '<f4')]",
      "True",
      "False",
      "None",
      "()",
      "(3,)",
      "(-1, 2)",
      "(2**64,)",
      "(99999999999999999999,)",
      "(1e3,)",
      "(1.5,)",
      "'\\x'",
      "'\\u00e9'",
      "{",
      "(((",
      "[",
    ),
    fc.string({ maxLength: 12 }),
    fc.integer().map(String),
  );
  const dict = fc.array(fc.tuple(key, val), { maxLength: 5 }).map((kv) =>
    `{${kv.map(([k, v]) => `${k}: ${v}`).join(", ")}}`
  );
  fc.assert(
    fc.property(dict, fc.constantFrom<(1 | 2 | 3)[]>(1, 2, 3), (text, version) => {
      attempt(text, () => parseHeaderText("fuzz.npy", version, new TextEncoder().encode(text), 0));
    }),
    { numRuns: 4000, seed: SEED },
  );
});

Deno.test("npy header parser: 3,000 random Python literal texts parse or throw a typed error", () => {
  const atom = fc.constantFrom(
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "'a'",
    '"b"',
    "'",
    "\\",
    "1",
    "-2L",
    "3.5",
    "True",
    "None",
    "Fals",
    " ",
    "\n",
    "1j",
  );
  const text = fc.oneof(
    fc.array(atom, { maxLength: 30 }).map((a) => a.join("")),
    anyText(60),
  );
  fc.assert(
    fc.property(text, (t) => {
      attempt(t, () => parsePyLiteral(t));
    }),
    { numRuns: 3000, seed: SEED },
  );
});

Deno.test("npy header parser: 2,000 deeply nested literals are refused, not a stack overflow", () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 20_000 }),
      fc.constantFrom("(", "[", "{'a': "),
      (depth, open) => {
        const text = open.repeat(depth) + "1";
        const r = attempt(text.slice(0, 40), () => parsePyLiteral(text));
        if (depth > 33) assert.equal(r, null);
      },
    ),
    { numRuns: 2000, seed: SEED },
  );
});

// ---------------------------------------------------------------------------
// locator

Deno.test("parseLocator: 4,000 random strings parse or throw a typed error", () => {
  fc.assert(
    fc.property(anyText(80), (t) => {
      const loc = attempt(t, () => parseLocator(t));
      if (loc) {
        assert.ok(["npy", "zarr", "hdf5", "arrow"].includes(loc.format));
        assert.ok(loc.path.length > 0);
      }
    }),
    { numRuns: 4000, seed: SEED },
  );
});

Deno.test("parseLocator: 3,000 locators built from extensions and separators round-trip", () => {
  const piece = fc.constantFrom(
    "a",
    "data",
    ".h5",
    ".HDF5",
    ".nc",
    ".zarr",
    ".zarr/",
    ".npy",
    ".arrow",
    ".feather",
    ".txt",
    ":",
    ":/",
    "/",
    "//",
    ".",
    "..",
    " ",
    "x:y",
    "C:\\",
    "\u00e9",
    "\u0000",
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 10 }).map((p) => p.join("")), (t) => {
      const loc = attempt(t, () => parseLocator(t));
      if (loc === null) return;
      // the text form parses back to the same locator
      const again = parseLocator(formatLocator(loc), { format: loc.format });
      assert.deepEqual(again, loc);
    }),
    { numRuns: 3000, seed: SEED },
  );
});

Deno.test("parseLocator: 2,000 random strings with each format option and requireObject", () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 40 }),
      fc.constantFrom<("npy" | "zarr" | "hdf5" | "arrow")[]>("npy", "zarr", "hdf5", "arrow"),
      fc.boolean(),
      (t, format, requireObject) => {
        const loc = attempt(t, () => parseLocator(t, { format, requireObject }));
        if (loc) assert.equal(loc.format, format);
      },
    ),
    { numRuns: 2000, seed: SEED },
  );
  // a wrong kind of argument is a TypeError
  for (const bad of [undefined, null, 3, {}, ["a.npy"]]) {
    assert.throws(() => parseLocator(bad as unknown as string), TypeError);
  }
});

// ---------------------------------------------------------------------------
// expression

Deno.test("parseExpression: 4,000 random strings parse or throw an ExpressionSyntaxError", () => {
  fc.assert(
    fc.property(anyText(60), (t) => {
      try {
        parseExpression(t);
      } catch (e) {
        assertTyped(e, t);
        assert.ok(e instanceof ExpressionSyntaxError, `${(e as Error).name} for ${t}`);
        assert.ok(e.column >= 1 && e.column <= t.length + 1);
      }
    }),
    { numRuns: 4000, seed: SEED },
  );
});

const TOKENS = [
  "a",
  "b",
  "1",
  "2.5",
  "1e",
  ".",
  "inf",
  "True",
  "(",
  ")",
  ",",
  "+",
  "-",
  "*",
  "**",
  "/",
  "//",
  "%",
  "<",
  "<=",
  "==",
  "!=",
  "&",
  "&&",
  "|",
  "^",
  "~",
  "<<",
  "sqrt(",
  "where(",
  "arctan2(",
  "float32(",
  "and",
  "lambda",
  "=",
  "!",
  " ",
  "99999999999999999999999",
];

Deno.test("parseExpression: 4,000 random token sequences parse or throw an ExpressionSyntaxError", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (toks) => {
      const t = toks.join("");
      try {
        const ast = parseExpression(t);
        // what parses prints and parses back to the same text
        const s = formatExpression(ast);
        assert.equal(formatExpression(parseExpression(s)), s);
      } catch (e) {
        assertTyped(e, t);
        assert.ok(e instanceof ExpressionSyntaxError, `${(e as Error).name} for ${t}`);
      }
    }),
    { numRuns: 4000, seed: SEED },
  );
});

Deno.test("parseExpression: 2,000 long flat chains parse and print without recursion", () => {
  // left-deep chains up to 1000 operators: the folds iterate, nothing overflows
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.constantFrom("+", "-", "*", "/", "&", "|", "<<", "//"),
      (n, op) => {
        const text = Array.from({ length: n + 1 }, (_, i) => (i % 2 ? "a" : "b")).join(op);
        const s = formatExpression(parseExpression(text));
        assert.equal(s.replaceAll(" ", ""), text);
      },
    ),
    { numRuns: 2000, seed: SEED },
  );
  // past the limit: a clear error at the first operator too many
  const long = Array(5000).fill("a").join("+");
  assert.throws(() => parseExpression(long), {
    name: "ExpressionSyntaxError",
    column: 2002,
    detail: /more than 1000 operators and calls/,
  });
  // the message stays short: 80 characters of the expression around the caret
  try {
    parseExpression(long);
  } catch (e) {
    assert.ok((e as Error).message.length < 400);
  }
});

Deno.test("parseExpression: 1,000 deep nests are refused past the depth limit, never a stack overflow", () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 5000 }),
      fc.constantFrom(["(", ")"], ["sqrt(", ")"], ["-", ""], ["~", ""], ["2**", ""]),
      (depth, [open, close]) => {
        const text = open.repeat(depth) + "a" + close.repeat(depth);
        try {
          parseExpression(text, { maxOperations: 10_000 });
          assert.ok(depth <= MAX_EXPRESSION_DEPTH, `depth ${depth} parsed`);
        } catch (e) {
          assertTyped(e, text.slice(0, 40));
          assert.ok(depth > MAX_EXPRESSION_DEPTH, `depth ${depth}: ${(e as Error).message}`);
          assert.match((e as Error).message, /nested more than 200 levels deep/);
        }
      },
    ),
    { numRuns: 1000, seed: SEED },
  );
});

/**
 * The `tessera` command line: `info`, `convert`, `reduce`, `map`, `plot` and
 * `completion` over `.npy`, Zarr, HDF5 and Arrow locators. Under `mpiexec`
 * every rank runs the same command and shares the chunks; only rank 0
 * prints. Exit codes: 0 success, 1 failure, 2 usage error.
 *
 * Install with `deno install -g -A -n tessera cli/main.ts`.
 *
 * @example
 * ```ts ignore
 * import { main } from "./main.ts";
 * const code = await main(["reduce", "mean", "x.npy", "--axis", "0"]);
 * ```
 *
 * @module
 */

import { init } from "../dist/world.ts";
import type { Comm } from "../dist/comm.ts";
import { ORDER_REDUCTION_NAMES, REDUCTION_NAMES } from "../core/reduction_names.ts";
import { type CommonOptions, Session, UsageError } from "./_session.ts";
import { type CommandSpec, type OptionSpec, parseArgv, type ProgramSpec } from "./_args.ts";

/** The version printed by `tessera --version`. */
export const VERSION = "0.1.0";

const encoder = new TextEncoder();

function writeErr(text: string): void {
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length;) at += Deno.stderr.writeSync(bytes.subarray(at));
}

function writeOut(text: string): void {
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
}

const COMMON: readonly OptionSpec[] = [
  {
    flags: "--memory <bytes>",
    description: "memory budget, e.g. 512MiB (default: $TESSERA_MEMORY, else RAM/4)",
  },
  {
    flags: "--threads <n>",
    description:
      "threads computing blocks, e.g. 2 (default: $TESSERA_THREADS, else the cores / the MPI ranks on the node)",
  },
  { flags: "-q, --quiet", description: "no progress output" },
  { flags: "--json", description: "machine-readable output on stdout" },
  { flags: "--debug", description: "print stack traces on errors" },
];

const OVERWRITE: OptionSpec = { flags: "--overwrite", description: "replace an existing output" };

const SYNC: OptionSpec = {
  flags: "--sync",
  description:
    "sync a new output to disk before publishing it (default: $TESSERA_SYNC; a replaced one always is)",
};

const PACK: OptionSpec = {
  flags: "--pack",
  description:
    "write CF-decoded values back in the source's stored type with its scale_factor/add_offset/_FillValue",
};

const RAW: OptionSpec = {
  flags: "--raw",
  description:
    "read stored values as they are: no CF decoding (scale_factor/add_offset, _FillValue, missing_value, valid range)",
};

/**
 * The command tree: every command, its arguments and options (the common
 * ones included), as data.
 */
export const PROGRAM: ProgramSpec = {
  name: "tessera",
  version: VERSION,
  description:
    "N-dimensional arrays on disk: .npy, Zarr, HDF5, Arrow; streamed under a memory budget",
  epilog: `
Locators: x.npy, store.zarr, store.zarr:/group/array, file.h5:/group/dataset, x.arrow, x.arrow:column
Exit codes: 0 success, 1 failure, 2 usage error. Under mpiexec every rank runs the command.`,
  commands: [
    {
      name: "info",
      description:
        "shape, dtype, chunks, codec, sizes and attributes; the tree of a whole .h5 or .zarr",
      args: [["<locator>", "array, HDF5 file or Zarr store"]],
      options: [...COMMON],
    },
    {
      name: "convert",
      description:
        "copy an array to any format, streamed chunk by chunk, with its attributes and dimensions; a whole .nc/.h5/.zarr (or group) copies every variable with its coordinates",
      args: [["<src>", "source locator, or a whole file or store"], [
        "<dst>",
        "destination locator",
      ]],
      options: [
        {
          flags: "--chunks <a,b,c>",
          description: "chunk shape of the output (HDF5, Zarr; HDF5 default: the source's)",
        },
        {
          flags: "--codec <codec>",
          description:
            "gzip:N | shuffle+gzip:N (HDF5) | zlib:N | zstd:N | lz4 | blosc[:cname[:clevel[:shuffle]]] | none (HDF5 default: the source's)",
        },
        { flags: "--dtype <type>", description: "element type of the output" },
        { flags: "--slice <sel>", description: "a selection of the source, e.g. 0:100,:,::2" },
        PACK,
        RAW,
        OVERWRITE,
        SYNC,
        ...COMMON,
      ],
    },
    {
      name: "reduce",
      description: "a reduction: small results are printed, larger ones written with -o",
      args: [
        ["<op>", [...REDUCTION_NAMES, ...ORDER_REDUCTION_NAMES].join(", ")],
        ["<src>", "source locator"],
      ],
      options: [
        {
          flags: "--axis <a,b>",
          description: "axes to reduce (default all; negative from the end)",
        },
        { flags: "--keepdims", description: "keep reduced axes with length 1" },
        { flags: "--ddof <n>", description: "delta degrees of freedom (var, std)" },
        {
          flags: "--q <q>",
          description: "quantile(s) in [0, 1] or percentile(s) in [0, 100], comma-separated",
        },
        {
          flags: "--skipna",
          description: "skip missing values (NaN); the default for CF-decoded float data",
        },
        {
          flags: "--no-skipna",
          description: "let NaN propagate (NumPy's semantics); the default for other data",
        },
        { flags: "-o, --output <dst>", description: "write the result to a locator" },
        RAW,
        OVERWRITE,
        SYNC,
        ...COMMON,
      ],
    },
    {
      name: "map",
      description: 'an element-wise expression over arrays, e.g. "sqrt(u*u + v*v)" u=a.npy v=b.npy',
      args: [
        ["<expr>", "the expression"],
        ["<bindings...>", "NAME=LOCATOR, one per array the expression uses"],
      ],
      options: [
        { flags: "-o, --output <dst>", description: "where to write the result", required: true },
        { flags: "--dtype <type>", description: "element type of the output" },
        { flags: "--chunks <a,b,c>", description: "chunk shape of the output (HDF5, Zarr)" },
        { flags: "--codec <codec>", description: "compression of the output (HDF5, Zarr)" },
        PACK,
        RAW,
        OVERWRITE,
        SYNC,
        ...COMMON,
      ],
    },
    {
      name: "plot",
      description: "a 2-D slice as a heatmap PNG (strided to bounded size), or a distribution map",
      args: [["[locator]", "the array (omit with --distribution)"]],
      options: [
        { flags: "-o, --output <png>", description: "the PNG file to write", required: true },
        { flags: "--slice <sel>", description: "a 2-D selection, e.g. 0,:,:" },
        { flags: "--cmap <name>", description: "colormap", default: "viridis" },
        {
          flags: "--max-pixels <n>",
          description: "most cells per axis before striding",
          default: "1000",
        },
        { flags: "--title <text>", description: "title (default: the locator and selection)" },
        { flags: "--vmin <x>", description: "value at the low end of the colormap" },
        { flags: "--vmax <x>", description: "value at the high end of the colormap" },
        {
          flags: "--robust",
          description: "colour limits at the 2nd and 98th percentiles (unless --vmin/--vmax)",
        },
        {
          flags: "--missing-color <#rrggbb>",
          description: "colour of missing (NaN) cells (default #d3d3d3, light grey)",
        },
        {
          flags: "--distribution <dist>",
          description: 'draw which rank owns which block, e.g. "bc"',
        },
        {
          flags: "--shape <a,b>",
          description: "shape of the distributed array (with --distribution)",
        },
        { flags: "--ranks <n>", description: "number of ranks (with --distribution)" },
        { flags: "--grid <a,b>", description: "process grid (with --distribution)" },
        RAW,
        OVERWRITE,
        ...COMMON,
      ],
    },
    {
      name: "completion",
      description: "print a shell completion script",
      args: [["<shell>", "bash"]],
      options: [],
    },
  ] satisfies CommandSpec[],
};

type Run = (session: Session) => Promise<void>;
type Args = readonly (string | string[] | undefined)[];
// deno-lint-ignore no-explicit-any
type Options = any;

/** Each command's runner; its module is imported only when the command runs. */
const RUNNERS: Readonly<Record<string, (args: Args, o: Options) => Run>> = {
  info: ([locator]) => async (s) => {
    const { infoCommand } = await import("./_info.ts");
    await infoCommand(s, locator as string);
  },
  convert: ([src, dst], o) => async (s) => {
    const { convertCommand } = await import("./_convert.ts");
    await convertCommand(s, src as string, dst as string, o);
  },
  reduce: ([op, src], o) => async (s) => {
    const { reduceCommand } = await import("./_reduce.ts");
    await reduceCommand(s, op as string, src as string, o);
  },
  map: ([expr, bindings], o) => async (s) => {
    const { mapCommand } = await import("./_map.ts");
    await mapCommand(s, expr as string, bindings as string[], o);
  },
  plot: ([locator], o) => async (s) => {
    const { plotCommand } = await import("./_plot.ts");
    await plotCommand(s, locator as string | undefined, o);
  },
  completion: ([shell]) => async (s) => {
    if (shell !== "bash") {
      throw new UsageError(`Unsupported shell "${shell}": only bash is supported`);
    }
    const { bashCompletion } = await import("./_completion.ts");
    s.out(bashCompletion(PROGRAM));
  },
};

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.trim().split(/\s*\n\s*/).join("; ");
}

function stackOf(e: unknown): string {
  let out = "";
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && depth < 8; depth++) {
    out += depth === 0 ? "" : "caused by: ";
    out += cur instanceof Error ? `${cur.stack ?? cur.message}\n` : `${String(cur)}\n`;
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return out;
}

/** Exit code of an error: 2 for usage errors, 1 for everything else. */
function exitCodeOf(e: unknown): number {
  return e instanceof UsageError ? 2 : 1;
}

/**
 * Runs the command line and returns the exit code (0 success, 1 failure,
 * 2 usage error). Errors are printed on stderr as one `error: ...` line
 * (with the stack under `--debug`), by rank 0 only.
 *
 * @param args The arguments after the program name.
 * @param comm The communicator (default: the world from `init()`).
 * @returns The exit code.
 */
export async function main(args: readonly string[], comm?: Comm): Promise<number> {
  const world = comm ?? await init();
  const printer = world.rank === 0;
  const debug = args.includes("--debug");
  let session: Session | null = null;
  try {
    const parsed = parseArgv(PROGRAM, args);
    if (parsed.kind === "version") {
      if (printer) writeOut(parsed.text);
      return 0;
    }
    if (parsed.kind === "help") {
      if (printer) (parsed.error ? writeErr : writeOut)(parsed.text);
      return parsed.error ? 2 : 0;
    }
    const o = parsed.options as CommonOptions;
    const run = RUNNERS[parsed.command](parsed.args, parsed.options);
    session = new Session(world, parsed.command === "completion" ? {} : o);
    await run(session);
    return 0;
  } catch (e) {
    const code = exitCodeOf(e);
    if (printer) {
      // an expression error keeps its caret lines; everything else is one line
      const text = (e as Error)?.name === "ExpressionUsageError"
        ? (e as Error).message
        : oneLine(e);
      writeErr(`error: ${text}\n`);
      if (debug) writeErr(stackOf(e));
    }
    return code;
  } finally {
    await session?.close();
  }
}

if (import.meta.main) {
  const code = await main(Deno.args);
  Deno.exit(code);
}

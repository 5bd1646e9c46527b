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

import { Command, CommanderError, Option } from "npm:@commander-js/extra-typings@15.1.0";
import { init } from "../dist/comm.ts";
import type { Comm } from "../dist/comm.ts";
import { REDUCTION_NAMES } from "../core/reduce.ts";
import { type CommonOptions, Session, UsageError } from "./_session.ts";
import { infoCommand } from "./_info.ts";
import { convertCommand } from "./_convert.ts";
import { reduceCommand } from "./_reduce.ts";
import { ExpressionUsageError, mapCommand } from "./_map.ts";
import { plotCommand } from "./_plot.ts";
import { bashCompletion } from "./_completion.ts";

/** The version printed by `tessera --version`. */
export const VERSION = "0.1.0";

const encoder = new TextEncoder();

function writeErr(text: string): void {
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length;) at += Deno.stderr.writeSync(bytes.subarray(at));
}

function commonOptions(): Option[] {
  return [
    new Option(
      "--memory <bytes>",
      "memory budget, e.g. 512MiB (default: $TESSERA_MEMORY, else RAM/4)",
    ),
    new Option("-q, --quiet", "no progress output"),
    new Option("--json", "machine-readable output on stdout"),
    new Option("--debug", "print stack traces on errors"),
  ];
}

function addCommon<C extends { addOption(o: Option): unknown }>(c: C): C {
  for (const o of commonOptions()) c.addOption(o);
  return c;
}

type Run = (session: Session) => Promise<void>;

/**
 * Builds the command tree. Actions only record what to run (`onRun`), so
 * parsing is separate from running.
 *
 * @param onRun Receives the chosen command's runner and its common options.
 * @returns The root command.
 */
export function buildProgram(
  onRun: (run: Run, options: CommonOptions) => void,
): Command {
  const program = new Command("tessera")
    .description(
      "N-dimensional arrays on disk: .npy, Zarr, HDF5, Arrow; streamed under a memory budget",
    )
    .version(VERSION)
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `
Locators: x.npy, store.zarr, store.zarr:/group/array, file.h5:/group/dataset, x.arrow, x.arrow:column
Exit codes: 0 success, 1 failure, 2 usage error. Under mpiexec every rank runs the command.`,
    );

  const info = program.command("info")
    .description(
      "shape, dtype, chunks, codec, sizes and attributes; the tree of a whole .h5 or .zarr",
    )
    .argument("<locator>", "array, HDF5 file or Zarr store")
    .action((locator, _o, cmd) => {
      onRun((s) => infoCommand(s, locator), cmd.opts() as CommonOptions);
    });
  addCommon(info);

  const convert = program.command("convert")
    .description("copy an array to any format, streamed chunk by chunk")
    .argument("<src>", "source locator")
    .argument("<dst>", "destination locator")
    .option("--chunks <a,b,c>", "chunk shape of the output (HDF5, Zarr)")
    .option("--codec <codec>", "gzip:N | zlib:N | zstd:N | lz4 | blosc[:cname[:clevel]] | none")
    .option("--dtype <type>", "element type of the output")
    .option("--slice <sel>", "a selection of the source, e.g. 0:100,:,::2")
    .option("--overwrite", "replace an existing output")
    .action((src, dst, o, cmd) => {
      onRun((s) => convertCommand(s, src, dst, o), cmd.opts() as CommonOptions);
    });
  addCommon(convert);

  const reduce = program.command("reduce")
    .description("a reduction: small results are printed, larger ones written with -o")
    .argument("<op>", REDUCTION_NAMES.join(", "))
    .argument("<src>", "source locator")
    .option("--axis <a,b>", "axes to reduce (default all; negative from the end)")
    .option("--keepdims", "keep reduced axes with length 1")
    .option("--ddof <n>", "delta degrees of freedom (var, std)")
    .option("-o, --output <dst>", "write the result to a locator")
    .option("--overwrite", "replace an existing output")
    .action((op, src, o, cmd) => {
      onRun((s) => reduceCommand(s, op, src, o), cmd.opts() as CommonOptions);
    });
  addCommon(reduce);

  const map = program.command("map")
    .description('an element-wise expression over arrays, e.g. "sqrt(u*u + v*v)" u=a.npy v=b.npy')
    .argument("<expr>", "the expression")
    .argument("<bindings...>", "NAME=LOCATOR, one per array the expression uses")
    .requiredOption("-o, --output <dst>", "where to write the result")
    .option("--dtype <type>", "element type of the output")
    .option("--chunks <a,b,c>", "chunk shape of the output (HDF5, Zarr)")
    .option("--codec <codec>", "compression of the output (HDF5, Zarr)")
    .option("--overwrite", "replace an existing output")
    .action((expr, bindings, o, cmd) => {
      onRun((s) => mapCommand(s, expr, bindings, o), cmd.opts() as CommonOptions);
    });
  addCommon(map);

  const plot = program.command("plot")
    .description("a 2-D slice as a heatmap PNG (strided to bounded size), or a distribution map")
    .argument("[locator]", "the array (omit with --distribution)")
    .requiredOption("-o, --output <png>", "the PNG file to write")
    .option("--slice <sel>", "a 2-D selection, e.g. 0,:,:")
    .option("--cmap <name>", "colormap", "viridis")
    .option("--max-pixels <n>", "most cells per axis before striding", "1000")
    .option("--title <text>", "title (default: the locator and selection)")
    .option("--vmin <x>", "value at the low end of the colormap")
    .option("--vmax <x>", "value at the high end of the colormap")
    .option("--distribution <dist>", 'draw which rank owns which block, e.g. "bc"')
    .option("--shape <a,b>", "shape of the distributed array (with --distribution)")
    .option("--ranks <n>", "number of ranks (with --distribution)")
    .option("--grid <a,b>", "process grid (with --distribution)")
    .option("--overwrite", "replace an existing output")
    .action((locator, o, cmd) => {
      onRun((s) => plotCommand(s, locator, o), cmd.opts() as CommonOptions);
    });
  addCommon(plot);

  program.command("completion")
    .description("print a shell completion script")
    .argument("<shell>", "bash")
    .action((shell) => {
      onRun((s) => {
        if (shell !== "bash") {
          throw new UsageError(`Unsupported shell "${shell}": only bash is supported`);
        }
        s.out(bashCompletion(program));
        return Promise.resolve();
      }, {});
    });

  return program;
}

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
  if (e instanceof UsageError) return 2;
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  return 1;
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
  let chosen: { run: Run; options: CommonOptions } | null = null;
  const program = buildProgram((run, options) => {
    chosen = { run, options };
  });
  const quiet = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };
  const apply = (c: Command): void => {
    c.exitOverride();
    if (!printer) c.configureOutput(quiet);
    else {
      c.configureOutput({
        writeOut: (s) => {
          const b = encoder.encode(s);
          for (let at = 0; at < b.length;) at += Deno.stdout.writeSync(b.subarray(at));
        },
        writeErr,
      });
    }
    for (const sub of c.commands) apply(sub as unknown as Command);
  };
  apply(program);
  let session: Session | null = null;
  try {
    await program.parseAsync([...args], { from: "user" });
    const picked = chosen as { run: Run; options: CommonOptions } | null;
    if (picked === null) return 0;
    session = new Session(world, picked.options);
    await picked.run(session);
    return 0;
  } catch (e) {
    const code = exitCodeOf(e);
    if (e instanceof CommanderError) return code; // commander printed it
    if (printer) {
      // an expression error keeps its caret lines; everything else is one line
      const text = e instanceof ExpressionUsageError ? e.message : oneLine(e);
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

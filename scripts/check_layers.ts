// Checks the import structure of the source folders (run by `deno task test`):
//
//   1. imports point downward only. Layers, top to bottom:
//        cli/ > stream/ > dist/ > io/ = viz/ > ffi/ > core/
//      A folder may import its own files, any folder below it, and a folder on
//      its own floor (io/ and viz/), never a folder above it or a folder that
//      is not a layer (tests/, bench/, ...).
//   2. no import of another folder's private file: a file or folder whose name
//      starts with `_` (`../core/_iter.ts`, `../core/_wasm/arena.ts`). A
//      folder's `mod.ts` and its other non-`_` files may be imported.
//   3. no cycle between folders.
//   4. the public API (`deno doc --json mod.ts`) takes nothing from ffi/ or
//      from a private file: no symbol declared there, no public signature
//      naming a type declared there.
//
// examples/, bench/, tests/ and scripts/ may import anything; the root files
// (mod.ts) may import any public file of any folder. Static imports and
// re-exports, `import("literal")` and `new URL("x.ts", import.meta.url)` count;
// comments (doc examples included) do not.
//
//   deno run -A scripts/check_layers.ts          # prints each offence, exit 1 if any
//   deno run -A scripts/check_layers.ts --list   # every relative import found, as file:line target

/** Rank of each layered folder: a folder may import folders of equal or lower rank. */
const LAYERS: Record<string, number> = {
  core: 0,
  ffi: 1,
  io: 2,
  viz: 2,
  dist: 3,
  stream: 4,
  cli: 5,
};
/** Folders that may import anything, private files included. */
const FREE = new Set(["examples", "bench", "tests", "scripts"]);
/** Folders that are not scanned. */
const SKIP = new Set([".git", "node_modules", "fixtures", "results"]);
/** Name of the pseudo-folder of the files at the root (mod.ts). */
const ROOT_FOLDER = ".";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** One import found in a file. */
interface Import {
  /** Importing file, relative to the root. */
  file: string;
  /** 1-based line of the specifier. */
  line: number;
  /** The specifier as written. */
  specifier: string;
  /** Imported file, relative to the root. */
  target: string;
}

function walk(dir: string, out: string[]): string[] {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory && !SKIP.has(e.name)) walk(p, out);
    else if (e.isFile && /\.(ts|tsx|js|mjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * Replaces comments and the text of template literals by spaces (newlines
 * kept, so offsets keep their line numbers). Strings, regular expressions and
 * the `${}` parts of templates are kept.
 */
function stripComments(src: string): string {
  const out = src.split("");
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  // stack of brace depths at which a template's `${` was opened
  const templates: number[] = [];
  let depth = 0;
  let lastSignificant = "";
  let i = 0;
  const n = src.length;
  const skipTemplateText = (start: number): number => {
    // from just after "`" or "}", up to and including the closing "`" or "${"
    let k = start;
    while (k < n) {
      const c = src[k];
      if (c === "\\") k += 2;
      else if (c === "`") {
        blank(start, k);
        return k + 1;
      } else if (c === "$" && src[k + 1] === "{") {
        blank(start, k);
        templates.push(depth);
        depth++;
        return k + 2;
      } else k++;
    }
    blank(start, n);
    return n;
  };
  while (i < n) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < n && src[k] !== c && src[k] !== "\n") k += src[k] === "\\" ? 2 : 1;
      i = k + 1;
      lastSignificant = "a";
    } else if (c === "`") {
      i = skipTemplateText(i + 1);
      lastSignificant = "a";
    } else if (
      c === "/" && (lastSignificant === "" || "(,=:[!&|?{};+-*%<>~^".includes(lastSignificant))
    ) {
      // a regular expression literal
      let k = i + 1;
      let inClass = false;
      while (k < n && src[k] !== "\n") {
        const d = src[k];
        if (d === "\\") k++;
        else if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
        k++;
      }
      i = k + 1;
      lastSignificant = "a";
    } else if (c === "{") {
      depth++;
      i++;
      lastSignificant = c;
    } else if (c === "}") {
      depth--;
      i++;
      if (templates.length && templates[templates.length - 1] === depth) {
        templates.pop();
        i = skipTemplateText(i);
        lastSignificant = "a";
      } else lastSignificant = c;
    } else {
      if (!/\s/.test(c)) lastSignificant = /[\w$]/.test(c) ? "a" : c;
      // `return /re/` and similar: a keyword before a slash starts a regex
      if (/[\w$]/.test(c)) {
        let k = i;
        while (k < n && /[\w$]/.test(src[k])) k++;
        const word = src.slice(i, k);
        lastSignificant = ["return", "typeof", "case", "in", "of", "yield", "await"].includes(word)
          ? "("
          : "a";
        i = k;
        continue;
      }
      i++;
    }
  }
  return out.join("");
}

const PATTERNS = [
  // import x from "y"; import type { a } from "y"; export * as b from "y"; export { c } from "y"
  /(?<![\w$.])(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\*(?:\s*as\s+[\w$]+)?|\{[^}]*\}|[\w$]+)\s*from\s*(["'])([^"'\n]+)\1/g,
  // import "y"
  /(?<![\w$.])import\s*(["'])([^"'\n]+)\1/g,
  // import("y")
  /(?<![\w$.])import\s*\(\s*(["'])([^"'\n]+)\1\s*[,)]/g,
  // new URL("./y.ts", import.meta.url)
  /new\s+URL\(\s*(["'])([^"'\n]+\.(?:ts|tsx|js|mjs))\1\s*,\s*import\.meta\.url/g,
];

function importsOf(file: string): Import[] {
  const src = stripComments(Deno.readTextFileSync(`${ROOT}/${file}`));
  const found = new Map<number, Import>();
  for (const re of PATTERNS) {
    for (const m of src.matchAll(re)) {
      const specifier = m[2];
      if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
      const at = m.index! + m[0].lastIndexOf(specifier);
      if (found.has(at)) continue;
      const url = new URL(specifier, `file://${ROOT}/${file}`);
      const abs = decodeURIComponent(url.pathname);
      if (!abs.startsWith(`${ROOT}/`)) continue;
      const line = src.slice(0, at).split("\n").length;
      found.set(at, { file, line, specifier, target: abs.slice(ROOT.length + 1) });
    }
  }
  return [...found.values()].sort((a, b) => a.line - b.line);
}

/** Top folder of a root-relative path ("." for a file at the root). */
function folderOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? ROOT_FOLDER : path.slice(0, slash);
}

/** Whether a root-relative path is private to its folder: a part below the top starts with `_`. */
function isPrivate(path: string): boolean {
  const parts = path.split("/");
  const inner = parts.length > 1 ? parts.slice(1) : parts;
  return inner.some((p) => p.startsWith("_"));
}

function describe(folder: string): string {
  return folder === ROOT_FOLDER ? "the root" : `${folder}/`;
}

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

/** A shortest cycle through the first folder of a strongly connected component, as a path. */
function shortestCycle(graph: Map<string, Set<string>>, comp: string[]): string[] {
  const inComp = new Set(comp);
  const start = comp[0];
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!inComp.has(w) || prev.has(w)) continue;
      prev.set(w, v);
      if (w === start) queue.length = 0;
      else queue.push(w);
    }
  }
  const path = [start];
  for (let v = prev.get(start)!; v !== start; v = prev.get(v)!) path.unshift(v);
  path.unshift(start);
  return path;
}

/** Finds every offence; returns one line per offence. */
export function checkLayers(): string[] {
  const files = walk(ROOT, []).map((p) => p.slice(ROOT.length + 1)).sort();
  const problems: string[] = [];
  const graph = new Map<string, Set<string>>();
  const edges = new Map<string, Import>();
  for (const file of files) {
    const from = folderOf(file);
    for (const imp of importsOf(file)) {
      const to = folderOf(imp.target);
      if (to === from) continue;
      const where = `${imp.file}:${imp.line}`;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
      if (!edges.has(`${from} ${to}`)) edges.set(`${from} ${to}`, imp);
      if (FREE.has(from)) continue;
      if (isPrivate(imp.target) && to in LAYERS) {
        problems.push(
          `${where}: private import: "${imp.specifier}" is private to ${describe(to)}`,
        );
      }
      if (from in LAYERS && !(to in LAYERS && LAYERS[to] <= LAYERS[from])) {
        const why = to in LAYERS
          ? `${describe(to)} is above ${describe(from)}`
          : `${describe(to)} is not a source layer`;
        problems.push(`${where}: upward import: "${imp.specifier}": ${why}`);
      }
    }
  }
  for (const comp of cycles(graph)) {
    const path = shortestCycle(graph, comp);
    const via = path.slice(0, -1).map((f, k) => {
      const imp = edges.get(`${f} ${path[k + 1]}`)!;
      return `${describe(f)} -> ${describe(path[k + 1])} (${imp.file}:${imp.line})`;
    });
    problems.push(`cycle between folders ${comp.map(describe).join(", ")}: ${via.join(", ")}`);
  }
  return problems;
}

/**
 * The public API (what `deno doc --json mod.ts` documents) against the
 * layers: an exported symbol declared in ffi/ or in a private file, or a
 * public signature that names a type declared there. Private and `#` members
 * are skipped. One line per finding.
 */
export async function checkApi(): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "mod.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) return ["deno doc --json mod.ts failed"];
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const bad = (path: string): string | null =>
    folderOf(path) === "ffi" ? "ffi/" : isPrivate(path) ? "a private file" : null;
  const found = new Set<string>();
  const scan = (o: unknown, where: string, file: string): void => {
    if (Array.isArray(o)) {
      for (const v of o) scan(v, where, file);
      return;
    }
    if (o === null || typeof o !== "object") return;
    const rec = o as Record<string, unknown>;
    if (rec.accessibility === "private") return;
    if (typeof rec.name === "string" && rec.name.startsWith("#")) return;
    const res = rec.resolution as { kind?: string; specifier?: string } | undefined;
    if (res?.kind === "import" && res.specifier?.startsWith(".")) {
      const target = new URL(res.specifier, file).pathname.slice(ROOT.length + 1);
      const why = bad(target);
      const name = (rec as { typeName?: string }).typeName ?? "?";
      if (why) found.add(`${where}: names ${name}, declared in ${why} (${target})`);
    }
    for (const [k, v] of Object.entries(rec)) if (k !== "jsDoc") scan(v, where, file);
  };
  for (const mod of Object.values(doc.nodes) as { symbols?: unknown[] }[]) {
    for (const sym of (mod.symbols ?? []) as { name: string; declarations: unknown[] }[]) {
      for (const d of sym.declarations as { location: { filename: string }; def?: unknown }[]) {
        const file = d.location.filename;
        const rel = decodeURIComponent(new URL(file).pathname).slice(ROOT.length + 1);
        const why = bad(rel);
        if (why) found.add(`${sym.name}: declared in ${why} (${rel})`);
        scan(d.def, `${sym.name} (${rel})`, file);
      }
    }
  }
  return [...found].sort();
}

if (import.meta.main) {
  if (Deno.args.includes("--list")) {
    const files = walk(ROOT, []).map((p) => p.slice(ROOT.length + 1)).sort();
    for (const f of files) {
      for (const i of importsOf(f)) console.log(`${i.file}:${i.line} ${i.target}`);
    }
    Deno.exit(0);
  }
  const problems = checkLayers();
  for (const p of problems) console.log(p);
  if (problems.length) {
    console.log(`${problems.length} import(s) break the layers (see scripts/check_layers.ts)`);
  }
  const api = await checkApi();
  for (const p of api) console.log(`public API: ${p}`);
  if (api.length) {
    console.log(`${api.length} public API name(s) come from ffi/ or a private file`);
  }
  if (problems.length || api.length) Deno.exit(1);
  console.log(
    "layers ok: imports point downward, no private imports across folders, no cycles, " +
      "no ffi/ or private type in the public API",
  );
}

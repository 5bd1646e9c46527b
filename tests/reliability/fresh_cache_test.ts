// A cold Deno cache: the CLI then prints "Download https://..." lines on
// stderr before it starts. withoutDownloads() (tests/_util.ts) takes them out
// of the stderr that CLI tests assert; scripts/test.ts also caches every
// module before the tests run. The real cold run (an empty DENO_DIR, all
// npm packages downloaded again) is costly, so it runs only with
// TESSERA_FRESH_CACHE=1.
//
// Counts: 2 cases (the filter on Deno's coloured and plain lines; one CLI run
// with an empty DENO_DIR, opt-in).
//
//   TESSERA_FRESH_CACHE=1 deno test -A tests/reliability/fresh_cache_test.ts

import assert from "node:assert/strict";
import { arange, writeNpy } from "../../mod.ts";
import { ROOT, tempDir, withoutDownloads } from "../_util.ts";

Deno.test("withoutDownloads() drops Deno's Download lines, coloured or not, and keeps the rest", () => {
  const text =
    "\x1b[0m\x1b[32mDownload\x1b[0m https://registry.npmjs.org/zarrita/-/zarrita-0.7.5.tgz\n" +
    "Download https://registry.npmjs.org/fflate\n" +
    "error: Download of the input failed\n" +
    "Downloaded\n" +
    "last line without newline";
  assert.equal(
    withoutDownloads(new TextEncoder().encode(text)),
    "error: Download of the input failed\nDownloaded\nlast line without newline",
  );
});

Deno.test({
  name: "tessera convert with an empty DENO_DIR: stderr is only download lines, exit 0",
  ignore: Deno.env.get("TESSERA_FRESH_CACHE") !== "1",
  async fn() {
    await using dir = await tempDir("tessera-fresh-");
    await writeNpy(`${dir.path}/a.npy`, arange(6, undefined, undefined, "float64"));
    await Deno.mkdir(`${dir.path}/deno_dir`);
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}/cli/main.ts`, "convert", "a.npy", "b.zarr"],
      cwd: dir.path,
      env: { DENO_DIR: `${dir.path}/deno_dir` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const raw = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, raw);
    assert.match(raw, /Download/); // the cache really was cold
    assert.equal(withoutDownloads(r.stderr), "");
  },
});

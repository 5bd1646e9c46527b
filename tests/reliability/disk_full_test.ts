// Disk full (issue 11): a write that runs out of space on a small tmpfs fails
// with one error line naming the output, leaves no temporary or lock, and
// leaves what was already on that file system byte-identical.
//
// Counts: 3 outputs (.npy, Zarr, HDF5 into an existing file) of a 24 MiB input
// onto an 8 MiB tmpfs. Needs root (mount); with CI=true it must run.

import assert from "node:assert/strict";
import { ROOT, tempDir, withoutDownloads } from "../_util.ts";

const MAIN = `${ROOT}/cli/main.ts`;
const IN_CI = Deno.env.get("CI") === "true";
const isRoot = Deno.uid?.() === 0;

function sh(cmd: string, ...args: string[]): boolean {
  return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
}

async function sha(path: string): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(h)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function leftovers(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.includes(".tessera-tmp-") || n.includes(".tessera-lock")).sort();
}

Deno.test({
  name: "tessera convert onto a full file system fails cleanly and keeps what was there",
  ignore: !isRoot && !IN_CI,
  async fn() {
    assert.ok(isRoot, "CI=true: this test needs root to mount a tmpfs");
    await using dir = await tempDir("tessera-diskfull-");
    const input = `${dir.path}/in.npy`;
    const small = `${dir.path}/small.npy`;
    const mnt = `${dir.path}/mnt`;
    await Deno.mkdir(mnt);
    // a 24 MiB float64 input and a small sibling, written with the library
    const { lazy } = await import("../../stream/lazy.ts");
    const { arange } = await import("../../core/ndarray.ts");
    await lazy(arange(3 * 1024 * 1024, undefined, undefined, "float64").reshape([3072, 1024]))
      .to(input);
    await lazy(arange(1024, undefined, undefined, "float64").reshape([1, 1024])).to(small);
    assert.ok(sh("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt), "mount a tmpfs");
    try {
      // what the user already had there: a small .npy and a small HDF5 file
      await Deno.copyFile(small, `${mnt}/keep.npy`);
      const conv = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "convert", "-q", small, `${mnt}/keep.h5:/a`],
      }).output();
      assert.equal(conv.code, 0, withoutDownloads(conv.stderr));
      const before = { npy: await sha(`${mnt}/keep.npy`), h5: await sha(`${mnt}/keep.h5`) };
      for (const out of ["out.npy", "out.zarr", "keep.h5:/b"]) {
        const r = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", MAIN, "convert", "-q", input, `${mnt}/${out}`],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const err = withoutDownloads(r.stderr);
        assert.equal(r.code, 1, `${out}: ${err}`);
        assert.equal(err.trim().split("\n").length, 1, `${out}: one error line: ${err}`);
        assert.match(err, /^error: .*mnt\//, out);
        assert.deepEqual(leftovers(mnt), [], `${out}: nothing left behind`);
        assert.deepEqual(
          [...Deno.readDirSync(mnt)].map((e) => e.name).sort(),
          ["keep.h5", "keep.npy"],
          out,
        );
        assert.deepEqual(
          { npy: await sha(`${mnt}/keep.npy`), h5: await sha(`${mnt}/keep.h5`) },
          before,
          `${out}: the files already there are byte-identical`,
        );
      }
    } finally {
      sh("umount", mnt);
    }
  },
});

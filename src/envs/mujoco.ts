// The MuJoCo WebAssembly module (DeepMind's official build, npm `mujoco-js`): loaded once
// per process on first use, never at import time, and shared by every environment.
import type { MainModule, MjModel } from "mujoco-js";

let modulePromise: Promise<MainModule> | undefined;

/**
 * The MuJoCo wasm module, instantiated on the first call and cached for the process.
 * Loading costs ~0.1 s; importing this file costs nothing (the 11 MB glue is imported lazily).
 */
export function loadMujoco(): Promise<MainModule> {
  modulePromise ??= import("mujoco-js").then((m) => m.default());
  return modulePromise;
}

/** Folder of the in-memory (MEMFS) file system where MJCF text is staged for the compiler. */
const STAGING_DIR = "/adept-mjcf";
let stagedFiles = 0;

/**
 * Compiles MJCF text into a new `MjModel`, which the caller owns and must `.delete()`.
 * The compiler reads files only, so the text is written to MEMFS and unlinked right after.
 */
export function compileModel(mujoco: MainModule, xml: string, name = "model"): MjModel {
  const fs = mujoco.FS;
  if (!fs.analyzePath(STAGING_DIR, false).exists) fs.mkdir(STAGING_DIR);
  const path = `${STAGING_DIR}/${name}-${stagedFiles++}.xml`;
  fs.writeFile(path, xml);
  try {
    const model = mujoco.MjModel.loadFromXML(path);
    if (!model) throw new Error(`MuJoCo could not compile ${name}`);
    return model;
  } finally {
    fs.unlink(path);
  }
}

/**
 * Bytes of wasm linear memory now reserved by MuJoCo (the heap only grows). Read from a
 * live view's buffer, since the wasm `HEAP*` arrays are not exported by this build.
 */
export function wasmMemoryBytes(view: Float64Array): number {
  return view.buffer.byteLength;
}

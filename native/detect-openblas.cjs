// Prints 1 when OpenBLAS can be linked (headers and library present) and not disabled
// by ADEPT_NO_OPENBLAS=1, else 0. binding.gyp reads this at configure time, so that
// `npm install` builds our portable kernel instead of failing where OpenBLAS is missing.
const fs = require("node:fs");
const { execSync } = require("node:child_process");

function hasOpenBlas() {
  if (process.env.ADEPT_NO_OPENBLAS === "1") return false;
  const headers = ["/usr/include/x86_64-linux-gnu/cblas.h", "/usr/include/cblas.h", "/usr/include/openblas/cblas.h", "/usr/include/aarch64-linux-gnu/cblas.h"];
  if (!headers.some((h) => fs.existsSync(h))) return false;
  try {
    return execSync("ldconfig -p", { encoding: "utf8" }).includes("libopenblas.so");
  } catch {
    return false;
  }
}
process.stdout.write(hasOpenBlas() ? "1" : "0");

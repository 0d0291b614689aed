// The documentation as a user of the published package reads it: every TypeScript sample in
// README.md and docs/ imports `adept-rl` (not the repository's src/) and type-checks against
// the built package, resolved by name as it is after `npm install adept-rl`; every relative
// link in them points to a file that `npm pack` ships.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { it } from "node:test";
import ts from "typescript";
import { repoRoot } from "./helpers.js";

const root = repoRoot();

/** README.md, the other top-level documents and everything under docs/, as paths from the root. */
function documents(): string[] {
  const out = readdirSync(root).filter((f) => f.endsWith(".md"));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".md")) out.push(path);
    }
  };
  walk("docs");
  return out;
}

/** The ```ts code blocks of a Markdown file, each with the line it starts on. */
function samples(file: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !lines[i + 1]!.startsWith("```")) i++;
    out.push({ line: start + 1, code: lines.slice(start, i + 1).join("\n") });
    i++;
  }
  return out;
}

it("every TypeScript sample in the docs imports adept-rl and type-checks against the package", () => {
  // Inside the package folder, so that `adept-rl` resolves to this package by its own name
  // (package.json "exports"), to the built declarations in dist/ as a user's install would.
  mkdirSync(join(root, ".cache"), { recursive: true });
  const dir = mkdtempSync(join(root, ".cache", "doc-samples-"));
  try {
    const files: string[] = [];
    const origin = new Map<string, string>();
    for (const doc of documents())
      for (const { line, code } of samples(doc)) {
        for (const [, from] of code.matchAll(/\bfrom\s+"([^"]+)"/g))
          assert.ok(from === "adept-rl" || from!.startsWith("node:"), `${doc}:${line}: imports "${from}"; samples import "adept-rl"`);
        const file = join(dir, `${doc.replace(/[/.]/g, "_")}_${line}.ts`);
        // `export {}` keeps each sample a module of its own (top-level await, no shared names).
        writeFileSync(file, `${code}\nexport {};\n`);
        files.push(file);
        origin.set(file, `${doc}:${line}`);
      }
    assert.ok(files.length >= 10, `only ${files.length} samples found`);
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (!d.file) return text;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      const [doc, first] = (origin.get(normalize(d.file.fileName)) ?? `${d.file.fileName}:1`).split(":");
      return `${doc}:${Number(first) + line}: ${text}`;
    });
    assert.deepEqual(problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("every relative link in the docs points to a file the package ships", () => {
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" })) as {
    files: { path: string }[];
  }[];
  const shipped = new Set(packed[0]!.files.map((f) => f.path));
  for (const required of ["LICENSE", "README.md", "package.json"]) assert.ok(shipped.has(required), `${required} is not in the package`);
  const missing: string[] = [];
  for (const doc of documents()) {
    if (!shipped.has(doc)) missing.push(`${doc} (a document) is not in the package`);
    const text = readFileSync(join(root, doc), "utf8");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:|^#/.test(target!)) continue;
      const path = relative(root, normalize(join(root, dirname(doc), target!.split("#")[0]!)));
      const file = existsSync(join(root, path, "README.md")) && !path.endsWith(".md") ? join(path, "README.md") : path;
      if (!shipped.has(file) && ![...shipped].some((f) => f.startsWith(`${path}/`)))
        missing.push(`${doc}: link ${target} → ${path} is not shipped`);
    }
  }
  assert.deepEqual(missing, []);
});

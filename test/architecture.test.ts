// The import graph of src/ against the layer order of ARCHITECTURE.md: a module may import
// its own folder and folders of lower layers, never a higher layer nor a sibling of its own
// layer. The imports are read with the TypeScript parser (static, type-only, re-exports,
// dynamic `import()` and `import("…")` types), so no kind of edge slips past.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import { packageRoot } from "../src/util/package-root.js";

const root = packageRoot();
const src = join(root, "src");

/** The layers of ARCHITECTURE.md's "Layers" list, top first: each a list of units (`run/`, `index.ts`). */
export function readLayers(markdown: string): string[][] {
  const section = /^## Layers\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown);
  if (!section) throw new Error('ARCHITECTURE.md has no "## Layers" section');
  const layers: string[][] = [];
  for (const line of section[1]!.split("\n")) {
    const item = /^\d+\.\s+(.*)$/.exec(line);
    if (!item) continue;
    // The units of a layer are the backticked names before the dash that starts the explanation.
    const names = [...item[1]!.split(" — ")[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    if (names.length > 0) layers.push(names);
  }
  return layers;
}

/** Every relative module specifier in a TypeScript source. */
export function importsOf(text: string, fileName = "x.ts"): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      out.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal))
      out.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out.filter((s) => s.startsWith("."));
}

/** The unit of a path relative to src/: its top folder (`run/`), or the file itself at the top (`index.ts`). */
function unitOf(path: string): string {
  const parts = path.split(sep);
  return parts.length > 1 ? `${parts[0]}/` : parts[0]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** The edges that break the layer order: `file → import` lines, empty when the graph is clean. */
export function layerViolations(layers: string[][], files: Array<{ path: string; text: string }>): string[] {
  const rank = new Map<string, number>();
  layers.forEach((units, i) => {
    for (const unit of units) rank.set(unit, i);
  });
  const bad: string[] = [];
  for (const { path, text } of files) {
    const from = unitOf(path);
    const fromRank = rank.get(from);
    if (fromRank === undefined) {
      bad.push(`${path}: ${from} is not in any layer of ARCHITECTURE.md`);
      continue;
    }
    for (const spec of importsOf(text, path)) {
      const target = relative(src, resolve(src, dirname(path), spec));
      if (target.startsWith("..")) {
        bad.push(`${path} → ${spec}: imports from outside src/`);
        continue;
      }
      const to = unitOf(target);
      if (to === from) continue;
      const toRank = rank.get(to);
      // Layers are listed top first, so an allowed edge goes to a larger index.
      if (toRank === undefined) bad.push(`${path} → ${spec}: ${to} is not in any layer of ARCHITECTURE.md`);
      else if (toRank <= fromRank)
        bad.push(`${path} → ${spec}: ${from} (layer ${fromRank + 1}) may not import ${to} (layer ${toRank + 1})`);
    }
  }
  return bad;
}

describe("layers", () => {
  const layers = readLayers(readFileSync(join(root, "ARCHITECTURE.md"), "utf8"));
  const files = sourceFiles(src).map((path) => ({ path: relative(src, path), text: readFileSync(path, "utf8") }));

  it("every import of src/ points down the layer order of ARCHITECTURE.md", () => {
    assert.ok(layers.length >= 5, `expected the layer list, read ${JSON.stringify(layers)}`);
    assert.ok(files.length > 50, `expected the sources of src/, found ${files.length}`);
    assert.deepEqual(layerViolations(layers, files), []);
  });

  it("the check sees every kind of import, and rejects upward and sideways edges", () => {
    const text = [
      'import type { A } from "../run/a.js";',
      'export { b } from "../cli/b.js";',
      'export * as c from "../adept/c.js";',
      'const d = await import("../run/d.js");',
      'type E = import("../run/e.js").E;',
      'import { f } from "./f.js";',
      'import { g } from "../util/g.js";',
      'import { h } from "node:fs";',
    ].join("\n");
    assert.deepEqual(importsOf(text), [
      "../run/a.js",
      "../cli/b.js",
      "../adept/c.js",
      "../run/d.js",
      "../run/e.js",
      "./f.js",
      "../util/g.js",
    ]);
    const toy = [["cli/"], ["run/"], ["adept/", "collect/"], ["util/"]];
    const bad = layerViolations(toy, [
      { path: join("util", "x.ts"), text: 'import { y } from "../run/y.js";' }, // up
      { path: join("adept", "x.ts"), text: 'import { y } from "../collect/y.js";' }, // sideways
      { path: join("run", "x.ts"), text: 'import { y } from "../adept/y.js";\nimport { z } from "./z.js";' }, // down, and own folder
      { path: join("nowhere", "x.ts"), text: "" }, // a folder the layers do not list
    ]);
    assert.equal(bad.length, 3, bad.join("\n"));
    assert.match(bad[0]!, /^util.x\.ts → \.\.\/run\/y\.js: util\/ \(layer 4\) may not import run\/ \(layer 2\)$/);
    assert.match(bad[1]!, /adept\/ \(layer 3\) may not import collect\/ \(layer 3\)/);
    assert.match(bad[2]!, /nowhere\/ is not in any layer/);
  });
});

// The report's document model: one list of blocks, rendered to Markdown and to HTML, each
// block the same content in both (inline marks, escaping, tables, figures linked vs inline).
import assert from "node:assert/strict";
import { it } from "node:test";
import { type ReportDocument, toHtml, toMarkdown } from "../../src/run/report/render.js";

const doc: ReportDocument = {
  title: "R & D",
  blocks: [
    { kind: "heading", level: 1, text: "R & D" },
    { kind: "paragraph", text: "the **last** evaluation of `adept train`" },
    {
      kind: "table",
      header: ["dataset", "IQL", "IQL (paper)"],
      body: [
        ["a|b", "7.0 ± 2.0", "7.5"],
        ["mean", "7.0", "–"],
      ],
      averageFrom: 1,
    },
    { kind: "list", items: ["x < y", "z"] },
    { kind: "figure", title: "Curves", file: "figures/c.svg", svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' },
  ],
};

it("renders one document to Markdown and HTML with the same content", () => {
  assert.equal(
    toMarkdown(doc),
    [
      "# R & D",
      "",
      "the **last** evaluation of `adept train`",
      "",
      "| dataset | IQL | IQL (paper) |",
      "|---|---:|---:|",
      "| a\\|b | 7.0 ± 2.0 | 7.5 |",
      "| mean | 7.0 | – |",
      "",
      "- x < y",
      "- z",
      "",
      "![Curves](figures/c.svg)",
      "",
    ].join("\n"),
  );
  const html = toHtml(doc);
  assert.match(html, /^<!doctype html>\n/);
  assert.match(html, /<title>R &amp; D<\/title>/);
  assert.match(html, /<h1>R &amp; D<\/h1>/);
  assert.match(html, /<p>the <strong>last<\/strong> evaluation of <code>adept train<\/code><\/p>/);
  assert.match(html, /<th class="l">dataset<\/th><th class="">IQL<\/th><th class="p">IQL \(paper\)<\/th>/);
  assert.match(html, /<tr class=""><td class="l">a\|b<\/td><td class="">7\.0 ± 2\.0<\/td><td class="p">7\.5<\/td><\/tr><tr class="avg">/);
  assert.match(html, /<ul class="notes"><li>x &lt; y<\/li><li>z<\/li><\/ul>/);
  assert.match(html, /<figure><svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"><\/svg><\/figure>/);
});

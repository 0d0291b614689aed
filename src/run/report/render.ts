/**
 * The report as one document model — headings, paragraphs, lists, tables and figures — and
 * its two renderings: Markdown (figures linked as files) and a self-contained HTML page
 * (figures inline, nothing fetched). Content is written once, as blocks; how each block
 * looks in each format is decided here only.
 */

/** Text with two inline marks, `**bold**` and `` `code` ``: kept as is in Markdown, tags in HTML. */
export type Inline = string;

/** One block of the document. */
export type Block =
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  | { kind: "paragraph"; text: Inline }
  | { kind: "list"; items: Inline[] }
  /** Rows from `averageFrom` on are summary rows (set apart in HTML). */
  | { kind: "table"; header: string[]; body: string[][]; averageFrom?: number }
  /** `file`: the SVG's path relative to the document (Markdown links it); `svg`: its text (HTML inlines it). */
  | { kind: "figure"; title: string; file: string; svg: string };

export interface ReportDocument {
  title: string;
  blocks: Block[];
}

/** The document as Markdown: one block after another, a blank line between them. */
export function toMarkdown(doc: ReportDocument): string {
  const lines: string[] = [];
  for (const block of doc.blocks) {
    switch (block.kind) {
      case "heading":
        lines.push(`${"#".repeat(block.level)} ${block.text}`);
        break;
      case "paragraph":
        lines.push(block.text);
        break;
      case "list":
        lines.push(...block.items.map((item) => `- ${item}`));
        break;
      case "table":
        lines.push(...markdownTable(block.header, block.body));
        break;
      case "figure":
        lines.push(`![${block.title}](${block.file})`);
        break;
    }
    lines.push("");
  }
  return lines.join("\n");
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
figure svg{max-width:100%;height:auto}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th.l,td.l{text-align:left}th.p,td.p{color:#666}tr.avg td{font-weight:600;border-top:2px solid #999}
figure{margin:1rem 0}ul.notes li{margin:.3rem 0}code{background:#f4f4f4;padding:0 .2rem}`;

/** The document as one HTML page with its style and every figure inline (no scripts, no links). */
export function toHtml(doc: ReportDocument): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title>
<style>
${STYLE}
</style></head><body>
${doc.blocks.map(htmlBlock).join("\n")}
</body></html>
`;
}

function htmlBlock(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `<h${block.level}>${escapeHtml(block.text)}</h${block.level}>`;
    case "paragraph":
      return `<p>${inline(block.text)}</p>`;
    case "list":
      return `<ul class="notes">${block.items.map((item) => `<li>${inline(item)}</li>`).join("")}</ul>`;
    case "table":
      return htmlTable(block.header, block.body, block.averageFrom ?? block.body.length);
    case "figure":
      return `<figure>${block.svg}</figure>`;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function inline(s: Inline): string {
  return escapeHtml(s)
    .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/`(.+?)`/g, "<code>$1</code>");
}

/** A column of numbers (scores, "±", "–", units): right-aligned. */
function numericColumn(body: string[][], column: number): boolean {
  return column > 0 && body.every((row) => /^[-–\d.]/.test(row[column] ?? ""));
}

function markdownTable(header: string[], body: string[][]): string[] {
  const cell = (s: string): string => s.replace(/\|/g, "\\|");
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `|${header.map((_, i) => (numericColumn(body, i) ? "---:" : "---")).join("|")}|`,
    ...body.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}

/** Numeric columns right-aligned, the paper's columns ("… (paper)") greyed, summary rows set apart. */
function htmlTable(header: string[], body: string[][], averageFrom: number): string {
  const cls = (i: number): string => (numericColumn(body, i) ? (header[i]!.endsWith("(paper)") ? "p" : "") : "l");
  const head = header.map((h, i) => `<th class="${cls(i)}">${escapeHtml(h)}</th>`).join("");
  const rows = body.map(
    (row, r) =>
      `<tr class="${r >= averageFrom ? "avg" : ""}">${row.map((c, i) => `<td class="${cls(i)}">${escapeHtml(c)}</td>`).join("")}</tr>`,
  );
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/**
 * A run's metrics as one CSV table: a row per metrics record (step, wall time, then every
 * key any record has, in order of first appearance); empty where a record lacks the key.
 */

/** One CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The records as CSV text with a header line. */
export function metricsCsv(records: Array<Record<string, number>>): string {
  const columns = ["step", "time"];
  for (const r of records) for (const key of Object.keys(r)) if (!columns.includes(key)) columns.push(key);
  const lines = [columns.map(field).join(",")];
  for (const r of records) lines.push(columns.map((c) => (typeof r[c] === "number" ? String(r[c]) : "")).join(","));
  return `${lines.join("\n")}\n`;
}

/**
 * The viewer's HTML: the import map that names where `three` and `mujoco-js` are served, the
 * controls, and the page module. Its Content-Security-Policy allows only this server's own
 * scripts (and the one inline import map, by its hash), so the page runs offline and loads
 * nothing from elsewhere.
 */
import { createHash } from "node:crypto";

export function pageHtml(importMap: Record<string, string>): { html: string; csp: string } {
  const map = JSON.stringify({ imports: importMap });
  const hash = createHash("sha256").update(map).digest("base64");
  const csp = [
    "default-src 'self'",
    // MuJoCo's wasm is compiled in the page; embind builds its glue with `new Function`.
    `script-src 'self' 'sha256-${hash}' 'wasm-unsafe-eval' 'unsafe-eval'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>adept view</title>
<link rel="icon" href="data:,">
<style>
  html, body { margin: 0; height: 100%; font: 14px system-ui, sans-serif; background: #f4f4f2; color: #222; }
  #app { display: flex; height: 100%; }
  #stage { flex: 1; position: relative; min-width: 0; }
  #stage canvas { display: block; width: 100%; height: 100%; }
  #panel { width: 300px; padding: 12px 14px; box-sizing: border-box; overflow-y: auto; background: #fff; border-left: 1px solid #ddd; }
  #panel h1 { font-size: 16px; margin: 0 0 4px; }
  #panel .sub { color: #666; font-size: 12px; word-break: break-all; margin-bottom: 10px; }
  .row { display: flex; gap: 6px; align-items: center; margin: 6px 0; }
  button { padding: 4px 12px; }
  input[type=number] { width: 90px; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 10px 0; }
  dt { color: #666; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; font-variant-numeric: tabular-nums; }
  th, td { text-align: right; padding: 2px 4px; border-bottom: 1px solid #eee; }
  #status { color: #a00; white-space: pre-wrap; font-size: 12px; }
</style>
<script type="importmap">${map}</script>
</head>
<body>
<div id="app">
  <div id="stage"></div>
  <div id="panel">
    <h1 id="title">adept view</h1>
    <div class="sub" id="policy"></div>
    <div class="row">
      <button id="play" type="button">Play</button>
      <button id="reset" type="button">Reset</button>
    </div>
    <div class="row"><label for="seed">seed</label><input id="seed" type="number" min="0" step="1" value="0"></div>
    <div class="row"><label for="speed">speed</label>
      <select id="speed">
        <option value="0.25">0.25×</option><option value="0.5">0.5×</option><option value="1" selected>1× (real time)</option>
        <option value="2">2×</option><option value="4">4×</option><option value="8">8×</option><option value="max">as fast as possible</option>
      </select>
    </div>
    <dl>
      <dt>episode</dt><dd id="episode">–</dd>
      <dt>step</dt><dd id="step">–</dd>
      <dt>return</dt><dd id="return">–</dd>
    </dl>
    <table>
      <thead><tr><th>#</th><th>steps</th><th>return</th><th>score</th></tr></thead>
      <tbody id="episodes"></tbody>
    </table>
    <div id="status">loading MuJoCo…</div>
  </div>
</div>
<script type="module" src="/app/view/page/viewer.js"></script>
</body>
</html>
`;
  return { html, csp };
}

// Imports a HAR file with Chromium DevTools' own importer (front_end/models/har) and prints
// what DevTools made of each entry: a check that fcemu's HAR export opens in a real reader.
// Not a ctest test (it needs Chromium and Node 20+). Usage:
//   chromium --headless=new --no-sandbox --remote-debugging-port=9333 \
//            --user-data-dir=/tmp/fcemu-chrome about:blank &
//   node --experimental-websocket chromium-har-import.js session.har
const fs = require('fs');
const har = fs.readFileSync(process.argv[2], 'utf8');
(async () => {
  const target = await (await fetch('http://127.0.0.1:9333/json/new?devtools://devtools/bundled/devtools_app.html', {method: 'PUT'})).json();
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise(r => ws.onopen = r);
  let id = 0; const pending = {};
  ws.onmessage = m => { const d = JSON.parse(m.data); if (pending[d.id]) pending[d.id](d); };
  const send = (method, params) => new Promise(r => { pending[++id] = r; ws.send(JSON.stringify({id, method, params})); });
  await new Promise(r => setTimeout(r, 3000));
  const expr = `(async () => {
    const HAR = await import('./models/har/har.js');
    const root = new HAR.HARFormat.HARRoot(${har});
    const requests = HAR.Importer.Importer.requestsFromHARLog(root.log);
    return JSON.stringify(requests.map(r => ({method: r.requestMethod, url: r.url(), status: r.statusCode,
      statusText: r.statusText, mime: r.mimeType, requestHeaders: r.requestHeaders().length,
      responseHeaders: r.responseHeaders.length, query: (r.queryParameters || []).length,
      start: r.startTime, end: r.endTime, timing: r.timing ? 'set' : 'none',
      content: r.contentData ? 'yes' : 'no'})));
  })()`;
  const res = await send('Runtime.evaluate', {expression: expr, awaitPromise: true, returnByValue: true});
  console.log(JSON.stringify(res.result, null, 1).slice(0, 3000));
  ws.close();
})().catch(e => { console.error('ERR', e); process.exit(1); });

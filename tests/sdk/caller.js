// The `caller` function of the SDK test (tests/sdk/sdk_test.js): an HTTP server on the CA port
// that, for each event {"port", "target", "payload"}, invokes the function `target` through
// FC's FC3 SDK on the endpoint host.fcemu.internal:port (the developer's machine, where
// `fcemu serve` listens) and answers with what that function returned.
'use strict';
const http = require('http');
const { Readable } = require('stream');
const FC3 = require('/npm/node_modules/@alicloud/fc20230330');
const OpenApi = require('/npm/node_modules/@alicloud/openapi-core');

async function readAll(stream) {
    const chunks = [];
    for await (const c of stream)
        chunks.push(Buffer.from(c));
    return Buffer.concat(chunks).toString('utf8');
}

async function callOther(event) {
    const client = new FC3.default(new OpenApi.$OpenApiUtil.Config({
        accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID || 'id',
        accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || 'secret',
        endpoint: `host.fcemu.internal:${event.port}`, protocol: 'http',
        regionId: process.env.FC_REGION || 'cn-hangzhou',
        readTimeout: 60000, connectTimeout: 60000 })); // the callee may be a cold start
    const r = await client.invokeFunction(event.target, new FC3.InvokeFunctionRequest({
        body: Readable.from([Buffer.from(event.payload)]) }));
    return `${event.target} said: ${await readAll(r.body)}`;
}

http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
        try {
            const event = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
            const text = await callOther(event);
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end(text);
        } catch (e) {
            console.log(`caller failed: ${e && e.stack || e}`);
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(String(e && e.message || e));
        }
    });
}).listen(Number(process.env.FC_SERVER_PORT || 9000), '0.0.0.0');

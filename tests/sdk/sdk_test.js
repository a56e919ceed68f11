// Drives `fcemu serve` with FC's official Node.js SDKs, pinned (@alicloud/fc2 2.6.6 and
// @alicloud/fc20230330 4.7.6, installed into the build tree by packaging/install-test-npm.sh).
// The SDKs are the oracle: what they return or throw is what a user's script sees against FC.
//
// Environment (set by tests/sdk/CMakeLists.txt): FCEMU_BIN, FCEMU_WEB_IMAGE, FCEMU_JOB_IMAGE,
// FCEMU_NPM (the folder holding node_modules). Exit 77 is a skip (ctest SKIP_RETURN_CODE).
'use strict';

const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { Readable } = require('stream');

const mustWork = process.env.EMU_SANDBOX_MUST_WORK === '1';
const npm = process.env.FCEMU_NPM && path.resolve(process.env.FCEMU_NPM);
function skip(why) {
    if (mustWork) {
        console.error(`FAIL: ${why} (EMU_SANDBOX_MUST_WORK=1: this test may not skip)`);
        process.exit(1);
    }
    console.log(`SKIP: ${why}`);
    process.exit(77);
}
if (!npm || !fs.existsSync(path.join(npm, 'node_modules/@alicloud/fc2')) ||
    !fs.existsSync(path.join(npm, 'node_modules/@alicloud/fc20230330')))
    skip(`FC's SDKs are not installed in ${npm}: run packaging/install-test-npm.sh`);

const FC2 = require(path.join(npm, 'node_modules/@alicloud/fc2'));
const FC3 = require(path.join(npm, 'node_modules/@alicloud/fc20230330'));
const OpenApi = require(path.join(npm, 'node_modules/@alicloud/openapi-core'));

const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'fcemu-sdk-cache-'));
const env = { ...process.env, FCEMU_CACHE_DIR: cache };
const accountId = '1234567890123456';
const servers = [];

// Starts `fcemu serve ARGS... --listen 127.0.0.1:0` and resolves with its base URL.
function serve(args, extraEnv = {}) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.env.FCEMU_BIN, ['serve', ...args, '--listen', '127.0.0.1:0'],
                            { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
        servers.push(child);
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
            out += d;
            const m = /POST (http:\/\/127\.0\.0\.1:\d+)\/2023-03-30/.exec(out);
            if (m && !child.baseUrl) {
                child.baseUrl = m[1];
                resolve({ child, url: m[1], output: () => out });
            }
        });
        child.stderr.on('data', (d) => { err += d; });
        child.on('exit', (code) => reject(new Error(`fcemu serve exited ${code}: ${err}`)));
    });
}

function fc2Client(url) {
    return new FC2(accountId, { accessKeyID: 'test-key-id', accessKeySecret: 'test-key-secret',
                                region: 'cn-hangzhou', endpoint: url, timeout: 30000 });
}
function fc3Client(url) {
    return new FC3.default(new OpenApi.$OpenApiUtil.Config({
        accessKeyId: 'test-key-id', accessKeySecret: 'test-key-secret',
        endpoint: url.replace('http://', ''), protocol: 'http', regionId: 'cn-hangzhou',
        // The SDK's own timeouts (3 s read, 5 s connect, which its http client also applies as
        // an idle timeout) are too short for two cold starts on a loaded machine.
        readTimeout: 60000, connectTimeout: 60000 }));
}
// FC3's InvokeFunction takes its body as a stream.
function stream(text) {
    return Readable.from([Buffer.from(text)]);
}
async function readAll(stream) {
    const chunks = [];
    for await (const c of stream)
        chunks.push(Buffer.from(c));
    return Buffer.concat(chunks).toString('utf8');
}
async function rejects(promise) {
    try {
        await promise;
    } catch (e) {
        return e;
    }
    throw new Error('the call succeeded where it should have failed');
}
async function records(url) {
    const r = await fetch(`${url}/fcemu/invocations`);
    return (await r.json());
}

function runtime() {
    const Dara = require(path.join(npm, 'node_modules/@darabonba/typescript'));
    return new Dara.RuntimeOptions({});
}

// Waits until the invocation with this request id has a record (it ran and finished).
async function waitForRecord(url, id) {
    for (let i = 0; i < 100; ++i) {
        if (JSON.stringify(await records(url)).includes(id))
            return;
        await new Promise((res) => setTimeout(res, 100));
    }
    assert.fail(`async request ${id} never ran`);
}

const results = [];
async function check(name, body) {
    try {
        await body();
        results.push([name, null]);
        console.log(`PASS: ${name}`);
    } catch (e) {
        results.push([name, e]);
        console.log(`FAIL: ${name}\n  ${(e && e.stack) || e}`);
    }
}

async function main() {
    // The sandbox must work here; where it cannot (no user namespaces), skip like every
    // sandbox test does.
    const probe = spawnSync(process.env.FCEMU_BIN,
                            ['invoke', process.env.FCEMU_JOB_IMAGE, '--web-server-mode', 'false',
                             '--event', '{}'], { env, encoding: 'utf8' });
    if (probe.status === 4)
        skip(`the sandbox cannot run here: ${probe.stderr.trim()}`);

    const svc = 'sdk-svc';
    const fn = 'sdk-fn';
    // One instance, one request at a time: the second concurrent call is throttled (429).
    const web = await serve([process.env.FCEMU_WEB_IMAGE, '--name', fn, '--config',
                             writeServiceConfig(svc, fn), '--max-instances', '1',
                             '--timeout', '5']);
    const fc2 = fc2Client(web.url);
    const fc3 = fc3Client(web.url);

    // The image is not in the cache yet: the very first call is a cold start with an unpack,
    // and its Tail log must still come back (issue 17).
    await check('FC2 first uncached call with Tail returns the log', async () => {
        const r = await fc2.invokeFunction(svc, fn, 'first', { 'x-fc-log-type': 'Tail' });
        assert.strictEqual(String(r.data), 'first');
        const log = Buffer.from(r.headers['x-fc-log-result'] || '', 'base64').toString();
        assert.match(log, /FC Invoke Start RequestId: /);
        assert.match(log, /Duration: .* ms, Billed Duration: /);
    });
    await check('FC2 invoke: body, request id, code checksum', async () => {
        const r = await fc2.invokeFunction(svc, fn, 'hello fc2');
        assert.strictEqual(String(r.data), 'hello fc2');
        assert.match(r.headers['x-fc-request-id'], /^1-[0-9a-f]{8}-/);
        assert.match(r.headers['x-fc-code-checksum'], /^\d+$/);
    });
    await check('FC3 invoke with Tail: body and log', async () => {
        const r = await fc3.invokeFunctionWithOptions(fn, new FC3.InvokeFunctionRequest({
            body: stream('hello fc3') }), new FC3.InvokeFunctionHeaders({ xFcLogType: 'Tail' }),
            runtime());
        assert.strictEqual(r.statusCode, 200);
        assert.strictEqual(await readAll(r.body), 'hello fc3');
        const log = Buffer.from(r.headers['x-fc-log-result'], 'base64').toString();
        assert.match(log, /FC Invoke End RequestId: /);
        assert.match(r.headers['x-fc-code-checksum'], /^\d+$/);
    });
    await check('FC2 async invoke runs the function later', async () => {
        const r = await fc2.invokeFunction(svc, fn, 'async event',
                                           { 'x-fc-invocation-type': 'Async' });
        const id = r.headers['x-fc-request-id'];
        assert.ok(id);
        await waitForRecord(web.url, id);
    });
    await check('FC3 async invoke is accepted with 202', async () => {
        const r = await fc3.invokeFunctionWithOptions(fn, new FC3.InvokeFunctionRequest({
            body: stream('async') }), new FC3.InvokeFunctionHeaders({ xFcInvocationType: 'Async' }),
            runtime());
        assert.strictEqual(r.statusCode, 202);
        await waitForRecord(web.url, r.headers['x-fc-request-id']);
    });
    await check('FC2 HTTP trigger through the proxy path', async () => {
        const r = await fc2.get(`/proxy/${svc}/${fn}/hello/world`, { q: '1' });
        assert.strictEqual(r.data.path, '/hello/world');
        assert.strictEqual(r.data.query, 'q=1');
        assert.strictEqual(r.data.headers['x-fc-control-path'], '/http-invoke');
    });
    await check('function error (404 from the container): 200 with X-Fc-Error-Type', async () => {
        const r = await fc2.invokeFunction(svc, fn, '{"x-sample-action": "status=404"}');
        assert.strictEqual(r.headers['x-fc-error-type'], 'UnhandledInvocationError');
    });

    // Errors, as each SDK reads them.
    await check('FC2 unknown service: FCServiceNotFoundError', async () => {
        const e = await rejects(fc2.invokeFunction('nope', fn, 'x'));
        assert.strictEqual(e.code, 'ServiceNotFound');
        assert.strictEqual(e.name, 'FCServiceNotFoundError');
        assert.match(e.message, /failed with 404\. .*service 'nope' does not exist/);
    });
    await check('FC2 unknown function: FCFunctionNotFoundError', async () => {
        const e = await rejects(fc2.invokeFunction(svc, 'nope', 'x'));
        assert.strictEqual(e.code, 'FunctionNotFound');
        assert.match(e.message, /function 'nope' does not exist/);
    });
    await check('FC2 unknown alias: AliasNotFound; version: VersionNotFound', async () => {
        const alias = await rejects(fc2.invokeFunction(svc, fn, 'x', {}, 'prod'));
        assert.strictEqual(alias.code, 'AliasNotFound');
        const version = await rejects(fc2.getFunction(svc, fn, {}, '7'));
        assert.strictEqual(version.code, 'VersionNotFound');
    });
    await check('FC3 unknown function: FunctionNotFound', async () => {
        const e = await rejects(fc3.getFunction('nope', new FC3.GetFunctionRequest({})));
        assert.strictEqual(e.code, 'FunctionNotFound');
        assert.match(e.message, /code: 404, function 'nope' does not exist/);
    });
    await check('FC3 unknown qualifier: AliasNotFound', async () => {
        const e = await rejects(fc3.invokeFunction(fn, new FC3.InvokeFunctionRequest({
            body: stream('x'), qualifier: 'prod' })));
        assert.strictEqual(e.code, 'AliasNotFound');
    });
    await check('FC2 call that is not emulated: PathNotSupported naming it', async () => {
        const e = await rejects(fc2.updateFunction(svc, fn, { memorySize: 1024 }));
        assert.strictEqual(e.code, 'PathNotSupported');
        assert.match(e.message, /does not emulate FC's UpdateFunction call/);
    });
    await check('FC3 call that is not emulated: PathNotSupported naming it', async () => {
        const e = await rejects(fc3.listTriggers(fn, new FC3.ListTriggersRequest({})));
        assert.strictEqual(e.code, 'PathNotSupported');
        assert.match(e.message, /ListTriggers/);
    });
    await check('no management call reaches the container', async () => {
        const before = (await records(web.url)).length;
        await rejects(fc2.createTrigger(svc, fn, { triggerName: 't', triggerType: 'http' }));
        await fc2.getFunction(svc, fn);
        assert.strictEqual((await records(web.url)).length, before);
    });
    await check('a crash mid-request: both SDKs read the message', async () => {
        const e2 = await rejects(fc2.invokeFunction(svc, fn, '{"x-sample-action": "crash"}'));
        assert.match(e2.message, /failed with 502\. .*Process exited unexpectedly before completing request/);
        const e3 = await rejects(fc3.invokeFunction(fn, new FC3.InvokeFunctionRequest({
            body: stream('{"x-sample-action": "crash"}') })));
        // A function error keeps FC's {"errorMessage"} body, which the FC3 SDK hands over as
        // the error's data (it reads Code/Message only from the platform's errors).
        assert.strictEqual(e3.statusCode, 502);
        assert.match(e3.data.errorMessage, /Process exited unexpectedly before completing request/);
    });
    await check('throttled: 429 ResourceExhausted in each shape', async () => {
        const slow = fc2.invokeFunction(svc, fn, '{"x-sample-action": "sleep=1500"}');
        await new Promise((res) => setTimeout(res, 300));
        const e2 = await rejects(fc2.invokeFunction(svc, fn, 'x'));
        assert.strictEqual(e2.code, 'ResourceExhausted', e2.message);
        assert.match(e2.message, /failed with 429/);
        const e3 = await rejects(fc3.invokeFunction(fn, new FC3.InvokeFunctionRequest({
            body: stream('x') })));
        assert.strictEqual(e3.code, 'ResourceExhausted');
        await slow;
    });

    // Management calls answered from the configuration.
    await check('FC2 GetService, GetFunction, ListFunctions, ListServices', async () => {
        const service = await fc2.getService(svc);
        assert.strictEqual(service.data.serviceName, svc);
        const f = await fc2.getFunction(svc, fn);
        assert.strictEqual(f.data.functionName, fn);
        assert.strictEqual(f.data.runtime, 'custom-container');
        assert.strictEqual(f.data.memorySize, 1024);
        assert.strictEqual(f.data.environmentVariables.GREETING, 'hello');
        const list = await fc2.listFunctions(svc);
        assert.deepStrictEqual(list.data.functions.map((x) => x.functionName), [fn]);
        const services = await fc2.listServices();
        assert.deepStrictEqual(services.data.services.map((x) => x.serviceName), [svc]);
    });
    await check('FC3 GetFunction and ListFunctions', async () => {
        const f = await fc3.getFunction(fn, new FC3.GetFunctionRequest({}));
        assert.strictEqual(f.statusCode, 200);
        assert.strictEqual(f.body.functionName, fn);
        assert.strictEqual(f.body.memorySize, 1024);
        assert.strictEqual(f.body.customContainerConfig.port, 9000);
        assert.match(f.body.functionArn, new RegExp(`^acs:fc:cn-hangzhou:\\d+:functions/${fn}$`));
        const list = await fc3.listFunctions(new FC3.ListFunctionsRequest({}));
        assert.deepStrictEqual(list.body.functions.map((x) => x.functionName), [fn]);
    });

    // A non-web-server (job) function: InvokeFunction only, sync and async; HTTP refused.
    const job = await serve([process.env.FCEMU_JOB_IMAGE, '--name', 'job-fn',
                             '--web-server-mode', 'false']);
    const jobFc2 = fc2Client(job.url);
    const jobFc3 = fc3Client(job.url);
    await check('job mode: FC2 sync invoke runs a container with the event', async () => {
        const r = await jobFc2.invokeFunction('fcemu-service', 'job-fn', '{"exit": 0}',
                                              { 'x-fc-log-type': 'Tail' });
        assert.ok(!r.headers['x-fc-error-type']);
        const log = Buffer.from(r.headers['x-fc-log-result'], 'base64').toString();
        assert.match(log, /env: FC_CUSTOM_CONTAINER_EVENT=\{"exit": 0\}/);
    });
    await check('job mode: a non-zero exit is a function error', async () => {
        const r = await jobFc2.invokeFunction('fcemu-service', 'job-fn', '{"exit": 2}');
        assert.strictEqual(r.headers['x-fc-error-type'], 'UnhandledInvocationError');
        assert.match(r.data.errorMessage, /exited unexpectedly\(code 2/);
    });
    await check('job mode: FC3 async invoke is accepted and runs', async () => {
        const r = await jobFc3.invokeFunctionWithOptions('job-fn', new FC3.InvokeFunctionRequest({
            body: stream('{"exit": 0}') }), new FC3.InvokeFunctionHeaders({
            xFcInvocationType: 'Async' }), runtime());
        assert.strictEqual(r.statusCode, 202);
        await waitForRecord(job.url, r.headers['x-fc-request-id']);
    });
    await check('job mode: an HTTP call is refused with InvalidArgument', async () => {
        const e = await rejects(jobFc2.get('/proxy/fcemu-service/job-fn/'));
        assert.strictEqual(e.code, 'InvalidArgument');
        assert.match(e.message, /not in web-server mode/);
    });

    // Signatures checked (--access-key-id/--access-key-secret): the SDKs sign, fcemu verifies,
    // and both SDKs read the refusals. The HTTP trigger takes GET only and needs a signature.
    const signed = await serve([process.env.FCEMU_WEB_IMAGE, '--config',
                                writeServiceConfig(svc, fn, { methods: ['GET'],
                                                              authType: 'function' }),
                                '--access-key-id', 'test-key-id',
                                '--access-key-secret', 'test-key-secret',
                                '--account-id', '5555666677778888', '--region', 'cn-shanghai']);
    const wrongSecret = (client) => Object.assign(client, { accessKeySecret: 'wrong-secret' });
    await check('signatures: FC2 and FC3 SDKs with the right secret are served', async () => {
        const r2 = await fc2Client(signed.url).invokeFunction(svc, fn, 'signed fc2');
        assert.strictEqual(String(r2.data), 'signed fc2');
        const r3 = await fc3Client(signed.url).invokeFunction(fn, new FC3.InvokeFunctionRequest({
            body: stream('signed fc3') }));
        assert.strictEqual(await readAll(r3.body), 'signed fc3');
        const g = await fc3Client(signed.url).getFunction(fn, new FC3.GetFunctionRequest({}));
        assert.strictEqual(g.body.functionName, fn);
        assert.strictEqual(g.body.functionArn, `acs:fc:cn-shanghai:5555666677778888:functions/${fn}`);
    });
    await check('signatures: FC2 SDK with a wrong secret gets SignatureNotMatch', async () => {
        const e = await rejects(wrongSecret(fc2Client(signed.url)).invokeFunction(svc, fn, 'x'));
        assert.strictEqual(e.code, 'SignatureNotMatch');
        assert.match(e.message, /failed with 403\. .*signature we calculated does not match/);
    });
    await check('signatures: FC3 SDK with a wrong secret gets SignatureNotMatch', async () => {
        const client = new FC3.default(new OpenApi.$OpenApiUtil.Config({
            accessKeyId: 'test-key-id', accessKeySecret: 'wrong-secret',
            endpoint: signed.url.replace('http://', ''), protocol: 'http',
            regionId: 'cn-hangzhou' }));
        const e = await rejects(client.invokeFunction(fn, new FC3.InvokeFunctionRequest({
            body: stream('x') })));
        assert.strictEqual(e.code, 'SignatureNotMatch');
        assert.match(e.message, /code: 403, The request signature we calculated/);
    });
    await check('signatures: another AccessKey ID is InvalidAccessKeyID / InvalidAccessKeyId',
                async () => {
        const e2 = await rejects(new FC2(accountId, { accessKeyID: 'other-id',
            accessKeySecret: 'test-key-secret', region: 'cn-hangzhou', endpoint: signed.url,
            timeout: 30000 }).invokeFunction(svc, fn, 'x'));
        assert.strictEqual(e2.code, 'InvalidAccessKeyID');
        assert.match(e2.message, /invalid access key ID 'other-id'/);
        const e3 = await rejects(new FC3.default(new OpenApi.$OpenApiUtil.Config({
            accessKeyId: 'other-id', accessKeySecret: 'test-key-secret',
            endpoint: signed.url.replace('http://', ''), protocol: 'http',
            regionId: 'cn-hangzhou' })).getFunction(fn, new FC3.GetFunctionRequest({})));
        assert.strictEqual(e3.code, 'InvalidAccessKeyId');
    });
    await check('signatures: a signed HTTP trigger call (with a query) is served', async () => {
        const r = await fc2Client(signed.url).get(`/proxy/${svc}/${fn}/signed`, { a: '1', b: 'x y' });
        assert.strictEqual(r.data.path, '/signed');
        // --account-id and --region: what the function's FC headers say.
        assert.strictEqual(r.data.headers['x-fc-account-id'], '5555666677778888');
        assert.strictEqual(r.data.headers['x-fc-region'], 'cn-shanghai');
    });
    await check('signatures: an unsigned call to an authType function trigger is refused',
                async () => {
        const r = await fetch(`${signed.url}/2016-08-15/proxy/${svc}/${fn}/anon`);
        assert.strictEqual(r.status, 400);
        assert.strictEqual(r.headers.get('content-type'), 'application/json');
        assert.strictEqual((await r.json()).ErrorCode, 'MissingRequiredHeader');
    });
    await check('trigger methods: a POST to a GET-only trigger is FC\'s 403', async () => {
        const e = await rejects(fc2Client(signed.url).post(`/proxy/${svc}/${fn}/p`, 'body'));
        assert.strictEqual(e.code, 'AccessDenied');
        assert.match(e.message, /does not accept POST requests \(its methods: GET\)/);
    });

    // A server that never becomes reachable: FunctionNotStarted, read by both SDKs.
    const broken = await serve([process.env.FCEMU_WEB_IMAGE, '--name', fn, '--startup-timeout',
                                '1', '--env', 'SAMPLE_LISTEN=127.0.0.1']);
    await check('FunctionNotStarted: FC2 and FC3 SDKs read code and message', async () => {
        const e2 = await rejects(fc2Client(broken.url).invokeFunction('fcemu-service', fn, 'x'));
        assert.strictEqual(e2.code, 'FunctionNotStarted');
        assert.match(e2.message, /The CA's http server cannot be started/);
        const e3 = await rejects(fc3Client(broken.url).invokeFunction(fn,
            new FC3.InvokeFunctionRequest({ body: stream('x') })));
        assert.strictEqual(e3.code, 'FunctionNotStarted');
        assert.match(e3.message, /Ping CA failed/);
    });
    await check('fcemu invoke exits 4 on FunctionNotStarted', async () => {
        const r = spawnSync(process.env.FCEMU_BIN,
                            ['invoke', process.env.FCEMU_WEB_IMAGE, '--startup-timeout', '1',
                             '--env', 'SAMPLE_LISTEN=127.0.0.1', '--event', 'x'],
                            { env, encoding: 'utf8' });
        assert.strictEqual(r.status, 4, r.stderr);
        assert.match(r.stderr, /FunctionNotStarted/);
    });

    // Two functions of one s.yaml behind one endpoint (`fcemu serve --config s.yaml`): `caller`
    // (node, tests/sdk/caller.js) invokes `echo` (the web sample) through the FC3 SDK on the
    // same endpoint, reached from inside its instance as host.fcemu.internal.
    const multi = await serve(['--config', writeTwoFunctions(), '--mount', '/usr:/host/usr:ro',
                               '--mount', `${npm}:/npm:ro`]);
    const port = Number(new URL(multi.url).port);
    const noNetwork = userModeNetworkMissing();
    if (noNetwork)
        console.log(`SKIP: two functions of one s.yaml: one calls the other through the SDK ` +
                    `(the instance has no way out to the endpoint here: ${noNetwork})`);
    else await check('two functions of one s.yaml: one calls the other through the SDK', async () => {
        const r = await fc3Client(multi.url).invokeFunction('caller', new FC3.InvokeFunctionRequest({
            body: stream(JSON.stringify({ port, target: 'echo', payload: 'hello from caller' })) }));
        assert.strictEqual(r.statusCode, 200);
        assert.strictEqual(await readAll(r.body), 'echo said: hello from caller');
        // FC2's path reaches the same function by service and name.
        const r2 = await fc2Client(multi.url).invokeFunction('fcemu-service', 'caller',
            JSON.stringify({ port, target: 'echo', payload: 'via fc2' }));
        assert.strictEqual(String(r2.data), 'echo said: via fc2');
        // Each call is recorded under its own function.
        const reports = await records(multi.url);
        const names = reports.map((x) => x.functionName);
        assert.strictEqual(names.filter((n) => n === 'caller').length, 2, names.join());
        assert.strictEqual(names.filter((n) => n === 'echo').length, 2, names.join());
    });
    await check('two functions of one s.yaml: ListFunctions returns both', async () => {
        const list = await fc3Client(multi.url).listFunctions(new FC3.ListFunctionsRequest({}));
        assert.deepStrictEqual(list.body.functions.map((x) => x.functionName), ['caller', 'echo']);
        assert.deepStrictEqual(list.body.functions.map((x) => x.timeout), [30, 3]);
        const fc2List = await fc2Client(multi.url).listFunctions('fcemu-service');
        assert.deepStrictEqual(fc2List.data.functions.map((x) => x.functionName),
                               ['caller', 'echo']);
        const echo = await fc3Client(multi.url).getFunction('echo', new FC3.GetFunctionRequest({}));
        assert.strictEqual(echo.body.memorySize, 256);
        const missing = await rejects(fc3Client(multi.url).getFunction('third',
            new FC3.GetFunctionRequest({})));
        assert.strictEqual(missing.code, 'FunctionNotFound');
        assert.match(missing.message, /fcemu serves 'caller', 'echo'/);
    });
}

// Why an instance cannot reach the developer's machine here (as TestNetwork skips): no
// slirp4netns or pasta, or /dev/net/tun closed to this user. null when it can.
function userModeNetworkMissing() {
    try {
        fs.accessSync('/dev/net/tun', fs.constants.R_OK | fs.constants.W_OK);
    } catch (e) {
        return `/dev/net/tun cannot be opened by this user (${e.code})`;
    }
    const dirs = (process.env.PATH || '/usr/bin:/bin').split(':');
    const found = ['slirp4netns', 'pasta'].some((tool) =>
        dirs.some((d) => fs.existsSync(path.join(d, tool))));
    return found ? null : 'neither slirp4netns nor pasta is installed';
}

// An s.yaml (fc3) of two functions: `caller`, an image packed here by `fcemu image pack` whose
// /usr is the host's (mounted at /host/usr) so that it runs this node with FC's SDK (mounted at
// /npm), and `echo`, the web sample.
function writeTwoFunctions() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcemu-sdk-two-'));
    const rootfs = path.join(dir, 'rootfs');
    for (const d of ['app', 'etc', 'tmp', 'host', 'npm'])
        fs.mkdirSync(path.join(rootfs, d), { recursive: true });
    fs.symlinkSync('/host/usr', path.join(rootfs, 'usr'));
    for (const [link, target] of [['lib', 'usr/lib'], ['lib64', 'usr/lib64'], ['bin', 'usr/bin']])
        fs.symlinkSync(target, path.join(rootfs, link));
    fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    fs.writeFileSync(path.join(rootfs, 'etc/nsswitch.conf'), 'hosts: files dns\n');
    fs.copyFileSync(path.join(__dirname, 'caller.js'), path.join(rootfs, 'app/caller.js'));
    const node = fs.realpathSync(process.execPath);
    assert.ok(node.startsWith('/usr/'), `node must live under /usr to be mounted (${node})`);
    const packed = spawnSync(process.env.FCEMU_BIN,
                             ['image', 'pack', rootfs, path.join(dir, 'caller.tar'), '--entrypoint',
                              JSON.stringify([node, '/app/caller.js']), '--workdir', '/app'],
                             { env, encoding: 'utf8' });
    assert.strictEqual(packed.status, 0, packed.stderr);
    const file = path.join(dir, 's.yaml');
    fs.writeFileSync(file, `edition: 3.0.0
name: two-functions
vars:
  region: cn-hangzhou
resources:
  caller:
    component: fc3
    props:
      region: \${vars.region}
      functionName: caller
      runtime: custom-container
      timeout: 30
      customContainerConfig:
        image: ./caller.tar
        port: 9000
  echo:
    component: fc3
    props:
      region: \${vars.region}
      functionName: echo
      runtime: custom-container
      memorySize: 256
      customContainerConfig:
        image: ${process.env.FCEMU_WEB_IMAGE}
        port: 9000
`);
    return file;
}

function writeServiceConfig(service, fn, httpTrigger) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcemu-sdk-conf-'));
    const file = path.join(dir, 'function.json');
    fs.writeFileSync(file, JSON.stringify({
        functionName: fn, serviceName: service, memorySize: 1024,
        environmentVariables: { GREETING: 'hello' }, ...(httpTrigger ? { httpTrigger } : {}) }));
    return file;
}

main().catch((e) => {
    results.push(['setup', e]);
    console.log(`FAIL: setup\n  ${(e && e.stack) || e}`);
}).finally(() => {
    for (const child of servers)
        child.kill('SIGTERM');
    fs.rmSync(cache, { recursive: true, force: true });
    const failed = results.filter(([, e]) => e);
    console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
    process.exitCode = failed.length ? 1 : 0;
});

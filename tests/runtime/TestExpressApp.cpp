// A real Express app like the one in FC's documentation (server.timeout = 0;
// server.keepAliveTimeout = 0), built into an image by the test from Debian's nodejs and
// node-express (node, its libraries and the module tree copied into a folder, then packed),
// driven through web-server mode in the sandbox.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>

#include <future>

#include <nlohmann/json.hpp>

#include "image/ImagePacker.h"
#include "runtime/FunctionImage.h"
#include "runtime/InstancePool.h"
#include "runtime/JobInvoker.h"
#include "sandbox/Sandbox.h"
#include "SandboxTestSupport.h"

using namespace Fcemu;

namespace {

const char serverJs[] = R"JS(
'use strict';
const express = require('express');
const app = express();
app.use(express.raw({ type: '*/*', limit: '32mb' }));
let initialized = 0;
app.post('/initialize', (req, res) => {
  initialized += 1;
  console.log(`initialize ${req.headers['x-fc-request-id']}`);
  res.send('');
});
app.post('/invoke', (req, res) => {
  console.log(`invoke ${req.headers['x-fc-request-id']}`);
  res.send(req.body);
});
app.get('/runtime-memory', (req, res) => { // what node itself believes it has
  const constrained = typeof process.constrainedMemory === 'function'
    ? (process.constrainedMemory() ?? null) : 'missing';
  res.json({ node: process.version, uv: process.versions.uv,
             totalmem: require('os').totalmem(), constrained });
});
app.use((req, res) => { // the catch-all: Debian's path-to-regexp refuses '*'
  if (req.query.crash) process.exit(3);
  const reply = () => res.json({
    method: req.method, path: req.path, query: req.query,
    headers: req.headers, initialized, body: req.body ? req.body.toString() : '' });
  if (req.query.sleep) setTimeout(reply, Number(req.query.sleep)); else reply();
});
const host = process.env.LISTEN_HOST || '0.0.0.0';
const server = app.listen(9000, host, () => console.log(`express listening on ${host}:9000`));
server.timeout = 0; // never timeout
server.keepAliveTimeout = 0; // keepalive, never timeout
)JS";

bool copyTree(const QString &from, const QString &to)
{
    QDir().mkpath(QFileInfo(to).absolutePath());
    return QProcess::execute(u"cp"_qs, {u"-a"_qs, from, to}) == 0;
}

} // namespace

class TestExpressApp final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::shared_ptr<Runtime::PreparedImage> m_image;

    // express and every module it needs, from Debian's /usr/share/nodejs.
    bool copyModules(const QString &rootfs)
    {
        const QString modules = u"/usr/share/nodejs"_qs;
        QStringList todo{u"express"_qs};
        QSet<QString> seen;
        while (!todo.isEmpty()) {
            const QString name = todo.takeFirst();
            if (seen.contains(name) || !QFileInfo::exists(modules + u'/' + name))
                continue;
            seen.insert(name);
            if (!copyTree(modules + u'/' + name, rootfs + modules + u'/' + name))
                return false;
            QFile package(modules + u'/' + name + u"/package.json"_qs);
            if (!package.open(QIODevice::ReadOnly))
                continue;
            const QJsonObject deps = QJsonDocument::fromJson(package.readAll())
                                         .object()
                                         .value(u"dependencies"_qs)
                                         .toObject();
            for (auto it = deps.begin(); it != deps.end(); ++it)
                todo.append(it.key());
        }
        return seen.contains(u"express"_qs);
    }

    static Telemetry::InvocationRecord http(Runtime::InstancePool &pool, const QByteArray &path,
                                            const QByteArray &query = {})
    {
        Http::HttpRequest request;
        request.method = "GET";
        request.setTarget(path, query);
        request.setHeader("X-From-Test", "1");
        return TestSupport::invokeAndWait(pool, request, true);
    }

    static QString header(const Telemetry::HeaderList &headers, const QString &name)
    {
        for (const auto &[n, v] : headers)
            if (QString::fromUtf8(n).compare(name, Qt::CaseInsensitive) == 0)
                return QString::fromUtf8(v);
        return {};
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<Telemetry::InvocationRecord>();
        FCEMU_REQUIRE_SANDBOX();
        const bool mustWork = TestSupport::sandboxMustWork();
        const QString node = QStandardPaths::findExecutable(u"node"_qs);
        if (node.isEmpty() || !QFileInfo::exists(u"/usr/share/nodejs/express/package.json"_qs)) {
            if (mustWork)
                QFAIL("nodejs and node-express are not installed (packaging/install-deps.sh "
                      "installs them)");
            QSKIP("nodejs and node-express are not installed");
        }
        QVERIFY(m_tmp.isValid());
        const QString rootfs = m_tmp.filePath(u"rootfs"_qs);
        // node and the shared libraries it links (ldd), at their own paths.
        const QString nodePath = QFileInfo(node).canonicalFilePath();
        QVERIFY(copyTree(nodePath, rootfs + u"/usr/bin/node"_qs));
        QProcess ldd;
        ldd.start(u"ldd"_qs, {nodePath});
        QVERIFY(ldd.waitForFinished());
        for (const QByteArray &line : ldd.readAllStandardOutput().split('\n')) {
            const QByteArray lib =
                line.contains("=>") ? line.split(' ').value(2) : line.trimmed().split(' ').value(0);
            if (!lib.startsWith('/'))
                continue;
            const QString path = QString::fromUtf8(lib);
            QVERIFY(copyTree(QFileInfo(path).canonicalFilePath(), rootfs + path));
        }
        // Debian's node keeps some of its own built-in modules outside the binary (acorn,
        // cjs-module-lexer, undici in /usr/share/nodejs, named in its build's defines) and
        // aborts at start-up without them, as an image built with `apt-get install nodejs`
        // has them. Node from other sources names none.
        QProcess shared;
        shared.start(nodePath, {u"-p"_qs, u"(process.config.target_defaults.defines || [])"
                                          u".filter(d => d.startsWith('NODE_SHARED_BUILTIN_'))"
                                          u".map(d => d.split('=')[1]).join('\\n')"_qs});
        QVERIFY(shared.waitForFinished());
        for (const QByteArray &line : shared.readAllStandardOutput().split('\n')) {
            const QString path = QString::fromUtf8(line.trimmed());
            if (path.startsWith(u'/'))
                QVERIFY2(copyTree(QFileInfo(path).canonicalFilePath(), rootfs + path),
                         qPrintable(path));
        }
        QVERIFY(copyModules(rootfs));
        QDir().mkpath(rootfs + u"/code"_qs);
        QDir().mkpath(rootfs + u"/tmp"_qs);
        QFile js(rootfs + u"/code/server.js"_qs);
        QVERIFY(js.open(QIODevice::WriteOnly));
        js.write(serverJs);
        js.close();

        Image::PackOptions pack;
        pack.entrypoint = {u"/usr/bin/node"_qs, u"/code/server.js"_qs};
        pack.env = {u"PATH=/usr/bin:/bin"_qs, u"NODE_PATH=/usr/share/nodejs"_qs};
        pack.workingDir = u"/code"_qs;
        pack.compression = u"none"_qs; // node is 100 MB: gzip would only slow the test down
        const QString image = m_tmp.filePath(u"express.tar"_qs);
        auto packed = Image::packDirectory(rootfs, image, pack);
        QVERIFY2(packed, packed ? "" : qPrintable(packed.error().message));
        Runtime::PrepareOptions options;
        options.cacheDirectory = m_tmp.filePath(u"cache"_qs);
        auto prepared = Runtime::prepareImage(image, {}, options);
        QVERIFY2(prepared, prepared ? "" : qPrintable(prepared.error().message));
        m_image = *prepared;
    }

    void headersControlPathsAndTheInitializer()
    {
        Config::FunctionConfig config;
        config.memoryMB = 512;
        config.initializer.handler = u"initializer"_qs;
        Runtime::InstancePool invoker(config, m_image);
        const auto first = http(invoker, "/users/7", "q=fc");
        QVERIFY2(!first.error, first.error ? qPrintable(first.error->message) : "");
        QVERIFY(first.coldStart);
        QCOMPARE(first.statusCode, 200);
        const nlohmann::json seen = nlohmann::json::parse(first.body.toStdString());
        QCOMPARE(QString::fromStdString(seen["path"]), u"/users/7"_qs);
        QCOMPARE(QString::fromStdString(seen["query"]["q"]), u"fc"_qs);
        QCOMPARE(QString::fromStdString(seen["headers"]["x-fc-control-path"]), u"/http-invoke"_qs);
        QCOMPARE(QString::fromStdString(seen["headers"]["x-fc-request-id"]), first.requestId);
        QCOMPARE(QString::fromStdString(seen["headers"]["x-from-test"]), u"1"_qs);
        QCOMPARE(seen["initialized"].get<int>(), 1);
        QVERIFY(first.logs.join(u'\n').contains(u"initialize "_qs + first.requestId));
        QCOMPARE(header(first.responseHeaders, u"X-Fc-Request-Id"_qs), first.requestId);
        QVERIFY(first.maxUsedMB > 10); // node's own memory, measured

        const auto second = http(invoker, "/again");
        QVERIFY(!second.coldStart);
        QCOMPARE(nlohmann::json::parse(second.body.toStdString())["initialized"].get<int>(),
                 1); // once per instance

        Http::HttpRequest eventRequest;
        eventRequest.method = "POST";
        eventRequest.body = R"({"event":true})";
        const auto event = TestSupport::invokeAndWait(invoker, eventRequest, false);
        QVERIFY(!event.error);
        QCOMPARE(event.body, QByteArray(R"({"event":true})"));
        QVERIFY(event.logs.join(u'\n').contains(u"invoke "_qs + event.requestId));
    }

    void crashAndTimeoutAsFcReportsThem()
    {
        Config::FunctionConfig config;
        config.timeoutS = 1;
        Runtime::InstancePool invoker(config, m_image);
        const auto crash = http(invoker, "/", "crash=1");
        QVERIFY(crash.error);
        QCOMPARE(crash.statusCode, 502);
        QVERIFY(crash.error->message.startsWith(
            u"Process exited unexpectedly before completing request"_qs));
        const auto slow = http(invoker, "/", "sleep=3000");
        QVERIFY(slow.error);
        QVERIFY(slow.error->message.startsWith(u"Function timed out after 1 seconds"_qs));
    }

    // Node's own view of its memory (issue #12): os.totalmem() reads /proc/meminfo, which the
    // sandbox generates with MemTotal = the function's memory in every mode;
    // process.constrainedMemory() (node 18.15+) reads the cgroup limit (libuv), which exists
    // only when a cgroup is in force (as root; rootless under a delegating systemd). Which
    // mode was checked is printed; run as root and as nobody (or FCEMU_CGROUP=none) for both.
    void nodeSeesTheFunctionsMemory()
    {
        Config::FunctionConfig config;
        config.memoryMB = 768;
        const double expected = 768.0 * 1024 * 1024;
        Runtime::InstancePool invoker(config, m_image);
        const auto r = http(invoker, "/runtime-memory");
        QVERIFY2(!r.error, r.error ? qPrintable(r.error->message) : "");
        const nlohmann::json seen = nlohmann::json::parse(r.body.toStdString());
        const QString node = QString::fromStdString(seen["node"].get<std::string>());
        const QString uv = QString::fromStdString(seen["uv"].get<std::string>());
        const QString mode = r.memoryAccounting;
        qInfo("node %s (libuv %s), memory accounting %s: totalmem %s, constrainedMemory %s",
              qPrintable(node), qPrintable(uv), qPrintable(mode), seen["totalmem"].dump().c_str(),
              seen["constrained"].dump().c_str());
        QCOMPARE(seen["totalmem"].get<double>(), expected);
        QVERIFY2(!seen["constrained"].is_string(),
                 qPrintable(u"node "_qs + node + u" has no process.constrainedMemory()"_qs));
        const nlohmann::json &constrained = seen["constrained"];
        if (mode.startsWith(u"cgroup"_qs)) {
            // libuv before 1.45 (Debian 12's system libuv 1.44 under its node 18) reads only
            // cgroup v1's memory.limit_in_bytes: under cgroup v2 it knows no limit.
            const QStringList v = uv.split(u'.');
            const bool readsV2 = v.size() >= 2 && (v[0].toInt() > 1 || v[1].toInt() >= 45);
            if (mode == u"cgroup-v2"_qs && !readsV2) {
                QVERIFY2(constrained.is_null() || constrained.get<double>() == 0,
                         constrained.dump().c_str());
                QSKIP(qPrintable(
                    u"node's libuv "_qs + uv +
                    u" reads cgroup v1 limits only; under cgroup v2 "
                    u"process.constrainedMemory() knows no limit (totalmem checked)"_qs));
            }
            QVERIFY2(constrained.is_number(), constrained.dump().c_str());
            QCOMPARE(constrained.get<double>(), expected);
        } else {
            QCOMPARE(mode, u"polling"_qs);
            // No cgroup inside: no limit known, or none lower than the function's memory.
            QVERIFY2(constrained.is_null() || constrained.get<double>() == 0 ||
                         constrained.get<double>() >= expected,
                     constrained.dump().c_str());
        }
    }

    void listeningOnLoopbackFailsLikeFc()
    {
        Config::FunctionConfig config;
        config.env = {{u"LISTEN_HOST"_qs, u"127.0.0.1"_qs}};
        config.startupTimeoutS = 3;
        Runtime::InstancePool invoker(config, m_image);
        const auto r = http(invoker, "/");
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"FunctionNotStarted"_qs);
        QVERIFY(r.error->message.contains(u"Ping CA failed due to: dial tcp 21.0.0."_qs));
        QVERIFY(r.error->message.contains(u"express listening on 127.0.0.1:9000"_qs));
        QVERIFY(r.logs.join(u'\n').contains(u"which FC cannot reach"_qs));
    }

    // --debug-port and --debug-args (docs/exec-and-debug.md): node started under its inspector,
    // whose HTTP endpoint answers on the host's port; FC's timeout suspended meanwhile.
    void debugPortReachesTheInspectorAndTimeoutsWait()
    {
        QTcpServer probe; // a port free on the host: node listens on the same one inside
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const int port = probe.serverPort();
        probe.close();
        Config::FunctionConfig config;
        config.timeoutS = 1;
        config.debugPorts = {port};
        config.debugArgs = u"--inspect=0.0.0.0:"_qs + QString::number(port);
        Runtime::InstancePool pool(config, m_image);
        QVERIFY(pool.listenForDebuggers());
        // Taken now: a second relay on it is refused with the port named.
        Runtime::InstancePool other(config, m_image);
        const auto taken = other.listenForDebuggers();
        QVERIFY(!taken);
        QCOMPARE(taken.error().kind, ErrorKind::Usage);
        QVERIFY(taken.error().message.contains(QString::number(port) + u" (already in use)"_qs));

        int notes = 0;
        connect(&pool, &Runtime::InstancePool::logLine, this,
                [&notes](const QString &, const QString &, qint64, const QString &line) {
                    notes += line.contains(u"timeouts suspended while debugging"_qs) ? 1 : 0;
                });
        // Held past the 1 s timeout: not killed while debugging.
        const auto slow = http(pool, "/", "sleep=2500");
        QVERIFY2(!slow.error, slow.error ? qPrintable(slow.error->message) : "");
        QCOMPARE(slow.statusCode, 200);
        QVERIFY(http(pool, "/", "sleep=1500").statusCode == 200);
        QCOMPARE(notes, 1); // the logs say so once

        // The inspector's /json/version through 127.0.0.1:port (the pool's thread is ours: the
        // request runs on another thread while the event loop relays).
        auto reply = std::async(std::launch::async, [port] {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, quint16(port));
            if (!socket.waitForConnected(5000))
                return QByteArray("connect failed");
            socket.write("GET /json/version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
                         "close\r\n\r\n");
            QByteArray all;
            while (socket.waitForReadyRead(5000))
                all += socket.readAll();
            return all;
        });
        QTRY_VERIFY_WITH_TIMEOUT(
            reply.wait_for(std::chrono::seconds(0)) == std::future_status::ready, 15000);
        const QByteArray text = reply.get();
        QVERIFY2(text.startsWith("HTTP/1.") && text.contains(" 200 OK"), text.constData());
        QVERIFY2(text.contains("\"Protocol-Version\"") && text.contains("node.js/"),
                 text.constData());
    }

    // --debug-port in non-web-server mode: 127.0.0.1:PORT reaches the job's instance while it
    // runs, and is closed when the job ends.
    void debugPortReachesARunningJob()
    {
        QTcpServer free; // a port free on the host: the job listens on the same one inside
        QVERIFY(free.listen(QHostAddress::LocalHost, 0));
        const int port = free.serverPort();
        free.close();
        Config::FunctionConfig config;
        config.webServerMode = false;
        config.debugPorts = {port};
        const QString script =
            u"const net = require('net');"
            u"setTimeout(() => process.exit(3), 20000).unref();"
            u"const s = net.createServer((c) => { c.end('hello from the job\\n'); s.close(); });"
            u"s.listen(%1, '0.0.0.0', () => console.log('job listening'));"_qs.arg(port);
        config.command = {u"/usr/bin/node"_qs, u"-e"_qs, script};
        Runtime::JobInvoker job(config, m_image);
        QSignalSpy finished(&job, &Runtime::JobInvoker::finished);
        job.invoke("{}");
        // Retried until node listens: before that the relay has nothing to join and closes.
        auto reply = std::async(std::launch::async, [port] {
            QByteArray all;
            for (int attempt = 0; attempt < 100 && !all.contains("hello"); ++attempt) {
                QTcpSocket socket;
                socket.connectToHost(QHostAddress::LocalHost, quint16(port));
                if (!socket.waitForConnected(2000)) {
                    QThread::msleep(100);
                    continue;
                }
                while (socket.waitForReadyRead(2000))
                    all += socket.readAll();
                if (!all.contains("hello"))
                    QThread::msleep(100);
            }
            return all;
        });
        QVERIFY(finished.wait(30000));
        QTRY_VERIFY_WITH_TIMEOUT(
            reply.wait_for(std::chrono::seconds(0)) == std::future_status::ready, 15000);
        QCOMPARE(reply.get(), QByteArray("hello from the job\n"));
        const auto record = finished.first().first().value<Telemetry::InvocationRecord>();
        QVERIFY2(!record.error, record.error ? qPrintable(record.error->message) : "");
        QVERIFY(record.logs.contains(u"job listening"_qs));
        // The job is over: so is its port.
        QTcpSocket after;
        after.connectToHost(QHostAddress::LocalHost, quint16(port));
        QVERIFY(!after.waitForConnected(1000));
    }
};

QTEST_GUILESS_MAIN(TestExpressApp)
#include "TestExpressApp.moc"

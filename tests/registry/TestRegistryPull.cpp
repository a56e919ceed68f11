// `fcemu image pull` and registry IMAGEs against a real registry: Debian's docker-registry
// (the CNCF distribution registry) started here on 127.0.0.1 with its own config and storage,
// images pushed with skopeo from fixtures built in the test. Loopback only.
#include <QDir>
#include <QDirIterator>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <nlohmann/json.hpp>

#include "ImageFixtures.h"
#include "image/Digest.h"
#include "SandboxTestSupport.h"

using namespace Fcemu::Test;
using json = nlohmann::json;

namespace {

struct Run
{
    int code = -1;
    QByteArray out;
    QByteArray err;
};

// Runs a program with the event loop turning (the fake registries below answer from it).
Run runProgram(const QString &program, const QStringList &args, const QProcessEnvironment &env,
               int timeoutMs = 120000)
{
    QProcess p;
    p.setProcessEnvironment(env);
    QEventLoop loop;
    QObject::connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
    QObject::connect(&p, &QProcess::errorOccurred, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    p.start(program, args);
    loop.exec();
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
        return {-1, {}, "timed out"};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

quint16 freePort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0))
        qFatal("no free port");
    return s.serverPort();
}

// One docker-registry process with its own config and storage folder.
class Registry final
{
public:
    struct Options
    {
        QString htpasswd;  // a bcrypt htpasswd file: basic auth
        QString cert, key; // TLS
    };
    Registry(const QString &dir, const Options &o) : m_dir(dir), m_port(freePort())
    {
        QString yaml =
            u"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
            u"    rootdirectory: %1\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%2\n"_qs
                .arg(storage())
                .arg(m_port);
        if (!o.cert.isEmpty())
            yaml += u"  tls:\n    certificate: %1\n    key: %2\n"_qs.arg(o.cert, o.key);
        if (!o.htpasswd.isEmpty())
            yaml += u"auth:\n  htpasswd:\n    realm: fcemu-test\n    path: %1\n"_qs.arg(o.htpasswd);
        QFile f(dir + u"/config.yml"_qs);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("config.yml");
        f.write(yaml.toUtf8());
        f.close();
        m_process.setStandardOutputFile(dir + u"/registry.log"_qs);
        m_process.setStandardErrorFile(dir + u"/registry.log"_qs, QIODevice::Append);
        m_process.start(u"docker-registry"_qs, {u"serve"_qs, f.fileName()});
        for (int i = 0; i < 100; ++i) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, m_port);
            if (s.waitForConnected(100))
                return;
            QTest::qWait(50);
        }
        qFatal("docker-registry did not start");
    }
    ~Registry()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(5000))
            m_process.kill();
        m_process.waitForFinished();
    }
    QString host() const { return u"127.0.0.1:%1"_qs.arg(m_port); }
    QString storage() const { return m_dir + u"/storage"_qs; }

private:
    QString m_dir;
    quint16 m_port;
    QProcess m_process;
};

} // namespace

class TestRegistryPull final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_image; // a small two-layer image, oci-archive
    QString m_arm;   // arm64 only
    QString m_job;   // the project's runnable sample job image
    QString m_cache;
    QProcessEnvironment m_env;

    Run fcemu(const QStringList &args, QProcessEnvironment env = {})
    {
        if (env.isEmpty())
            env = m_env;
        return runProgram(qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") + u"/app/fcemu"_qs, args,
                          env);
    }
    static bool oneLine(const Run &r)
    {
        return r.err.count('\n') == 1 && r.err.startsWith("fcemu: ");
    }
    void push(const QString &archive, const QString &ref, const QStringList &extra = {})
    {
        QStringList args{u"copy"_qs, u"--quiet"_qs, u"--dest-tls-verify=false"_qs};
        args += extra;
        args += {u"oci-archive:"_qs + archive, u"docker://"_qs + ref};
        const Run r = runProgram(u"skopeo"_qs, args, QProcessEnvironment::systemEnvironment());
        // skopeo 1.9 chowns while it untars an oci-archive: as an ordinary user it cannot read
        // our root-owned fixtures (the label `registry` runs as root in CI).
        if (r.code != 0 && r.err.contains("chown") && r.err.contains("operation not permitted"))
            QSKIP("skopeo cannot unpack oci-archive fixtures as this user");
        QVERIFY2(r.code == 0, r.err.constData());
    }
    // Files in the cache's blob store and registry layouts: nothing half-written may look whole.
    QStringList completeBlobs() const
    {
        return QDir(m_cache + u"/blobs/sha256"_qs).entryList(QDir::Files);
    }
    QStringList layouts() const
    {
        return QDir(m_cache + u"/registry"_qs).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    }
    // Every stored blob's content matches its name.
    void verifyStore() const
    {
        for (const QString &name : completeBlobs()) {
            QFile f(m_cache + u"/blobs/sha256/"_qs + name);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QCOMPARE(Fcemu::Image::Hasher::sha256(f.readAll()).hex, name);
        }
    }
    QString layerBlobPath(const Registry &registry, const QString &hex) const
    {
        return registry.storage() + u"/docker/registry/v2/blobs/sha256/"_qs + hex.left(2) + u'/' +
               hex + u"/data"_qs;
    }

private slots:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(u"docker-registry"_qs).isEmpty() ||
            QStandardPaths::findExecutable(u"skopeo"_qs).isEmpty())
            QSKIP("docker-registry or skopeo is not installed (packaging/install-deps.sh)");
        QVERIFY(m_tmp.isValid());
        ImageSpec spec;
        spec.layerTars = {
            TarBuilder().dir("etc").file("etc/base.txt", QByteArray(200000, 'b')).tar(),
            TarBuilder().file("app.txt", "hello from the registry\n").tar()};
        spec.config.cmd = {u"/bin/true"_qs};
        m_image = m_tmp.filePath(u"small.tar"_qs);
        writeImage(m_image, spec, Format::OciArchive);
        spec.architecture = u"arm64"_qs;
        m_arm = m_tmp.filePath(u"arm.tar"_qs);
        writeImage(m_arm, spec, Format::OciArchive);
        m_job = qEnvironmentVariable("FCEMU_TEST_BINARY_DIR") +
                u"/resources/samples/fc-sample-job.tar"_qs;
        QVERIFY(QFile::exists(m_job));
    }

    void init()
    {
        m_cache = m_tmp.filePath(u"cache-"_qs + QString::fromLatin1(QTest::currentTestFunction()));
        QDir(m_cache).removeRecursively();
        m_env = QProcessEnvironment::systemEnvironment();
        m_env.insert(u"FCEMU_CACHE_DIR"_qs, m_cache);
        // No credentials of the machine's user leak in.
        const QString home = m_tmp.filePath(u"home-empty"_qs);
        QDir().mkpath(home);
        m_env.insert(u"HOME"_qs, home);
        m_env.remove(u"XDG_RUNTIME_DIR"_qs);
        m_env.remove(u"DOCKER_CONFIG"_qs);
        m_env.remove(u"REGISTRY_AUTH_FILE"_qs);
    }

    void anonymousPullOverHttpThenInvoke()
    {
        QTemporaryDir dir;
        Registry registry(dir.path(), {});
        push(m_job, registry.host() + u"/fc/job:v1"_qs);
        const QString ref = registry.host() + u"/fc/job:v1"_qs;

        // Plain HTTP only with --insecure-registry.
        const Run https = fcemu({u"image"_qs, u"pull"_qs, ref});
        QCOMPARE(https.code, 4);
        QVERIFY2(oneLine(https), https.err.constData());
        QVERIFY(https.err.contains("--insecure-registry"));
        QVERIFY(https.err.contains(registry.host().toUtf8()));

        const Run pull =
            fcemu({u"image"_qs, u"pull"_qs, ref, u"--insecure-registry"_qs, u"--json"_qs});
        QVERIFY2(pull.code == 0, pull.err.constData());
        const json j = json::parse(pull.out.toStdString());
        QCOMPARE(j["reference"].get<std::string>(), ref.toStdString());
        QVERIFY(!j["layers"].empty());
        for (const json &l : j["layers"]) {
            QVERIFY(!l["reused"].get<bool>());
            QVERIFY(l["ms"].get<double>() > 0);
        }
        verifyStore();
        QCOMPARE(layouts().size(), 1);

        // The pulled image is the image: same config and layers as the archive.
        const Run inspect =
            fcemu({u"image"_qs, u"inspect"_qs, ref, u"--insecure-registry"_qs, u"--json"_qs});
        QVERIFY2(inspect.code == 0, inspect.err.constData());
        const Run local = fcemu({u"image"_qs, u"inspect"_qs, m_job, u"--json"_qs});
        QCOMPARE(json::parse(inspect.out.toStdString())["chainId"].dump(),
                 json::parse(local.out.toStdString())["chainId"].dump());

        // Again: every layer comes from the blob store.
        const Run again =
            fcemu({u"image"_qs, u"pull"_qs, ref, u"--insecure-registry"_qs, u"--json"_qs});
        QCOMPARE(again.code, 0);
        for (const json &l : json::parse(again.out.toStdString())["layers"])
            QVERIFY(l["reused"].get<bool>());

        // invoke pulls and runs it (needs the sandbox).
        const Run invoke =
            fcemu({u"invoke"_qs, registry.host() + u"/fc/job:v1"_qs, u"--insecure-registry"_qs,
                   u"--web-server-mode"_qs, u"false"_qs, u"--event"_qs, u"{\"n\":1}"_qs,
                   u"--json"_qs, u"--pull-bandwidth"_qs, u"50"_qs});
        if (invoke.code == 4 && invoke.err.contains("namespace") &&
            !Fcemu::TestSupport::sandboxMustWork())
            QSKIP("user namespaces are not available here");
        QVERIFY2(invoke.code == 0, invoke.err.constData());
        const json report = json::parse(invoke.out.split('\n').first().toStdString());
        QVERIFY(report["timings"]["pullMs"].get<double>() > 0);
        QCOMPARE(report["statusCode"].get<int>(), 200);
    }

    void sharedLayersAndResume()
    {
        QTemporaryDir dir;
        Registry registry(dir.path(), {});
        push(m_image, registry.host() + u"/a/one:v1"_qs);
        push(m_image, registry.host() + u"/a/two:v1"_qs);
        const Run first = fcemu({u"image"_qs, u"pull"_qs, registry.host() + u"/a/one:v1"_qs,
                                 u"--insecure-registry"_qs, u"--json"_qs});
        QVERIFY2(first.code == 0, first.err.constData());
        const json layers = json::parse(first.out.toStdString())["layers"];
        QCOMPARE(layers.size(), 2u);
        // Another repository with the same layers: nothing fetched again.
        const Run second = fcemu({u"image"_qs, u"pull"_qs, registry.host() + u"/a/two:v1"_qs,
                                  u"--insecure-registry"_qs, u"--json"_qs});
        QCOMPARE(second.code, 0);
        for (const json &l : json::parse(second.out.toStdString())["layers"])
            QVERIFY(l["reused"].get<bool>());

        // An interrupted pull: half of layer 1 in blobs/partial. The next pull asks for the rest.
        const QString hex = QString::fromStdString(layers[0]["digest"].get<std::string>()).mid(7);
        QFile whole(m_cache + u"/blobs/sha256/"_qs + hex);
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QByteArray data = whole.readAll();
        whole.close();
        QDir(m_cache).removeRecursively();
        QVERIFY(QDir().mkpath(m_cache + u"/blobs/partial"_qs));
        QFile partial(m_cache + u"/blobs/partial/"_qs + hex);
        QVERIFY(partial.open(QIODevice::WriteOnly));
        partial.write(data.left(data.size() / 2));
        partial.close();
        const Run resumed = fcemu({u"image"_qs, u"pull"_qs, registry.host() + u"/a/one:v1"_qs,
                                   u"--insecure-registry"_qs, u"--json"_qs});
        QVERIFY2(resumed.code == 0, resumed.err.constData());
        const json r = json::parse(resumed.out.toStdString());
        QCOMPARE(r["layers"][0]["resumedFrom"].get<qint64>(), qint64(data.size() / 2));
        QCOMPARE(r["bytesFetched"].get<qint64>() <
                     qint64(data.size()) + r["layers"][1]["size"].get<qint64>() + 4096,
                 true);
        verifyStore();
        QVERIFY(!QFile::exists(partial.fileName()));
    }

    void badReferences()
    {
        QTemporaryDir dir;
        Registry registry(dir.path(), {});
        push(m_image, registry.host() + u"/a/app:v1"_qs);
        push(m_arm, registry.host() + u"/a/arm:v1"_qs);
        struct Case
        {
            QString ref;
            int code;
            QByteArray says;
        };
        const QList<Case> cases = {
            {registry.host() + u"/a/nope:v1"_qs, 3, "repository not found"},
            {registry.host() + u"/a/app:v2"_qs, 3, "tag not found"},
            {registry.host() + u"/a/app@sha256:"_qs + QString(64, u'0'), 3, "not found"},
            {registry.host() + u"/a/arm:v1"_qs, 3, "FC supports only AMD64"},
            {registry.host() + u"/A/app:v1"_qs, 3, "not a registry reference"},
            {u"127.0.0.1:1/a/app:v1"_qs, 4, "127.0.0.1:1"},
        };
        for (const Case &c : cases) {
            const Run r = fcemu({u"image"_qs, u"pull"_qs, c.ref, u"--insecure-registry"_qs});
            QVERIFY2(r.code == c.code, qPrintable(c.ref + u": "_qs + QString::fromUtf8(r.err)));
            QVERIFY2(oneLine(r), r.err.constData());
            QVERIFY2(r.err.contains(c.says), r.err.constData());
        }
        QVERIFY(layouts().isEmpty());
        const Run usage = fcemu({u"image"_qs, u"pull"_qs});
        QCOMPARE(usage.code, 2);
    }

    void basicAuthFromDockerConfig()
    {
        QTemporaryDir dir;
        const QString htpasswd = dir.filePath(u"htpasswd"_qs);
        const Run h = runProgram(u"htpasswd"_qs, {u"-Bbc"_qs, htpasswd, u"alice"_qs, u"wonder"_qs},
                                 QProcessEnvironment::systemEnvironment());
        if (h.code == -1 && QStandardPaths::findExecutable(u"htpasswd"_qs).isEmpty())
            QSKIP("htpasswd is not installed (apache2-utils)");
        QCOMPARE(h.code, 0);
        Registry registry(dir.path(), {htpasswd, {}, {}});
        push(m_image, registry.host() + u"/a/private:v1"_qs,
             {u"--dest-creds"_qs, u"alice:wonder"_qs});
        const QString ref = registry.host() + u"/a/private:v1"_qs;

        const Run none = fcemu({u"image"_qs, u"pull"_qs, ref, u"--insecure-registry"_qs});
        QCOMPARE(none.code, 3);
        QVERIFY2(oneLine(none) && none.err.contains("no credentials"), none.err.constData());

        auto withHome = [&](const QByteArray &userPass) -> QProcessEnvironment {
            const QString home = dir.filePath(u"home-"_qs + QString::fromUtf8(userPass.toHex()));
            QDir().mkpath(home + u"/.docker"_qs);
            QFile cfg(home + u"/.docker/config.json"_qs);
            if (cfg.open(QIODevice::WriteOnly))
                cfg.write(R"({"auths":{")" + registry.host().toUtf8() + R"(":{"auth":")" +
                          userPass.toBase64() + R"("}}})");
            QProcessEnvironment env = m_env;
            env.insert(u"HOME"_qs, home);
            return env;
        };
        const Run wrong = fcemu({u"image"_qs, u"pull"_qs, ref, u"--insecure-registry"_qs},
                                withHome("alice:nope"));
        QCOMPARE(wrong.code, 3);
        QVERIFY2(oneLine(wrong) && wrong.err.contains("wrong user name or password") &&
                     wrong.err.contains("alice"),
                 wrong.err.constData());
        QVERIFY(layouts().isEmpty());
        const Run right = fcemu({u"image"_qs, u"pull"_qs, ref, u"--insecure-registry"_qs},
                                withHome("alice:wonder"));
        QVERIFY2(right.code == 0, right.err.constData());
        QCOMPARE(layouts().size(), 1);
    }

    void tlsWithATestCa()
    {
        QTemporaryDir dir;
        auto openssl = [&](const QStringList &args) {
            const Run r = runProgram(u"openssl"_qs, args, QProcessEnvironment::systemEnvironment());
            QVERIFY2(r.code == 0, r.err.constData());
        };
        const QString ca = dir.filePath(u"ca.pem"_qs), caKey = dir.filePath(u"ca.key"_qs);
        const QString cert = dir.filePath(u"server.pem"_qs), key = dir.filePath(u"server.key"_qs);
        const QString csr = dir.filePath(u"server.csr"_qs), ext = dir.filePath(u"ext.cnf"_qs);
        openssl({u"req"_qs, u"-x509"_qs, u"-newkey"_qs, u"rsa:2048"_qs, u"-nodes"_qs, u"-days"_qs,
                 u"2"_qs, u"-subj"_qs, u"/CN=fcemu test CA"_qs, u"-keyout"_qs, caKey, u"-out"_qs,
                 ca});
        openssl({u"req"_qs, u"-newkey"_qs, u"rsa:2048"_qs, u"-nodes"_qs, u"-subj"_qs,
                 u"/CN=127.0.0.1"_qs, u"-keyout"_qs, key, u"-out"_qs, csr});
        QFile e(ext);
        QVERIFY(e.open(QIODevice::WriteOnly));
        e.write("subjectAltName=IP:127.0.0.1\n");
        e.close();
        openssl({u"x509"_qs, u"-req"_qs, u"-in"_qs, csr, u"-CA"_qs, ca, u"-CAkey"_qs, caKey,
                 u"-CAcreateserial"_qs, u"-days"_qs, u"2"_qs, u"-extfile"_qs, ext, u"-out"_qs,
                 cert});
        Registry registry(dir.path(), {{}, cert, key});
        push(m_image, registry.host() + u"/a/tls:v1"_qs);
        const QString ref = registry.host() + u"/a/tls:v1"_qs;

        const Run untrusted = fcemu({u"image"_qs, u"pull"_qs, ref});
        QCOMPARE(untrusted.code, 4);
        QVERIFY2(oneLine(untrusted), untrusted.err.constData());
        QProcessEnvironment env = m_env;
        env.insert(u"FCEMU_REGISTRY_CA"_qs, ca);
        const Run trusted = fcemu({u"image"_qs, u"pull"_qs, ref}, env);
        QVERIFY2(trusted.code == 0, trusted.err.constData());
        QCOMPARE(layouts().size(), 1);
    }

    void digestMismatch()
    {
        QTemporaryDir dir;
        Registry registry(dir.path(), {});
        push(m_image, registry.host() + u"/a/bad:v1"_qs);
        // Learn the layer digests from a pull into a throwaway cache, then corrupt layer 2.
        QProcessEnvironment other = m_env;
        other.insert(u"FCEMU_CACHE_DIR"_qs, dir.filePath(u"other-cache"_qs));
        const Run ok = fcemu({u"image"_qs, u"pull"_qs, registry.host() + u"/a/bad:v1"_qs,
                              u"--insecure-registry"_qs, u"--json"_qs},
                             other);
        QCOMPARE(ok.code, 0);
        const json layers = json::parse(ok.out.toStdString())["layers"];
        const QString hex = QString::fromStdString(layers[1]["digest"].get<std::string>()).mid(7);
        QFile blob(layerBlobPath(registry, hex));
        QVERIFY2(blob.open(QIODevice::ReadWrite), qPrintable(blob.fileName()));
        QByteArray data = blob.readAll();
        data[data.size() / 2] = char(data[data.size() / 2] ^ 0x55);
        QVERIFY(blob.seek(0));
        blob.write(data);
        blob.close();

        const Run r = fcemu({u"image"_qs, u"pull"_qs, registry.host() + u"/a/bad:v1"_qs,
                             u"--insecure-registry"_qs});
        QCOMPARE(r.code, 3);
        QVERIFY2(oneLine(r) && r.err.contains("digest mismatch") && r.err.contains(hex.toUtf8()) &&
                     r.err.contains("a/bad"),
                 r.err.constData());
        QVERIFY(!completeBlobs().contains(hex));
        QVERIFY(!QFile::exists(m_cache + u"/blobs/partial/"_qs + hex));
        QVERIFY(layouts().isEmpty());
        verifyStore();
    }

    void bearerTokenFromTheRealm()
    {
        // A registry that wants a bearer token from its realm, which hands one out only for
        // alice's password: the token must be fetched with the stored credentials and then sent.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const QString host = u"127.0.0.1:%1"_qs.arg(server.serverPort());
        QStringList seen; // "METHOD PATH AUTHORIZATION"
        connect(&server, &QTcpServer::newConnection, this, [&]() {
            while (QTcpSocket *s = server.nextPendingConnection()) {
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                connect(s, &QTcpSocket::readyRead, s, [&, s]() {
                    QByteArray request = s->property("buffer").toByteArray() + s->readAll();
                    s->setProperty("buffer", request);
                    if (!request.contains("\r\n\r\n"))
                        return;
                    s->setProperty("buffer", QByteArray());
                    const QList<QByteArray> lines = request.split('\n');
                    const QByteArray path = lines.first().split(' ').value(1);
                    QByteArray auth;
                    for (const QByteArray &l : lines)
                        if (l.toLower().startsWith("authorization:"))
                            auth = l.mid(14).trimmed();
                    seen.append(QString::fromLatin1(path + ' ' + auth));
                    auto reply = [s](const QByteArray &status, const QByteArray &headers,
                                     const QByteArray &body) {
                        s->write("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" +
                                 headers + "Content-Length: " + QByteArray::number(body.size()) +
                                 "\r\n\r\n" + body);
                    };
                    if (path.startsWith("/token?")) {
                        if (auth == "Basic " + QByteArray("alice:wonder").toBase64())
                            reply("200 OK", {}, R"({"token":"T0K3N"})");
                        else
                            reply("401 Unauthorized", {},
                                  R"({"errors":[{"code":"UNAUTHORIZED"}]})");
                    } else if (auth == "Bearer T0K3N") {
                        reply(
                            "404 Not Found", {},
                            R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})");
                    } else {
                        reply("401 Unauthorized",
                              "WWW-Authenticate: Bearer realm=\"http://" +
                                  s->localAddress().toString().toLatin1() + ':' +
                                  QByteArray::number(s->localPort()) +
                                  "/token\",service=\"fake\",scope=\"repository:a/app:pull\"\r\n",
                              R"({"errors":[{"code":"UNAUTHORIZED"}]})");
                    }
                });
            }
        });
        const QString ref = host + u"/a/app:v1"_qs;
        const Run anonymous = fcemu({u"image"_qs, u"pull"_qs, ref, u"--insecure-registry"_qs});
        QCOMPARE(anonymous.code, 3);
        QVERIFY2(oneLine(anonymous) && anonymous.err.contains("no credentials"),
                 anonymous.err.constData());

        const QString home = m_tmp.filePath(u"home-bearer"_qs);
        QDir().mkpath(home + u"/.docker"_qs);
        QFile cfg(home + u"/.docker/config.json"_qs);
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write("{\"auths\":{\"" + host.toUtf8() + "\":{\"auth\":\"" +
                  QByteArray("alice:wonder").toBase64() + "\"}}}");
        cfg.close();
        QProcessEnvironment env = m_env;
        env.insert(u"HOME"_qs, home);
        seen.clear();
        const Run withToken = fcemu({u"image"_qs, u"pull"_qs, ref, u"--insecure-registry"_qs}, env);
        QCOMPARE(withToken.code, 3); // the fake has no image: the token got past the 401
        QVERIFY2(withToken.err.contains("not found"), withToken.err.constData());
        QVERIFY2(seen.contains(u"/token?service=fake&scope=repository:a/app:pull Basic "_qs +
                               QString::fromLatin1(QByteArray("alice:wonder").toBase64())),
                 qPrintable(seen.join(u" | "_qs)));
        QVERIFY2(seen.contains(u"/v2/a/app/manifests/v1 Bearer T0K3N"_qs),
                 qPrintable(seen.join(u" | "_qs)));
        QVERIFY(layouts().isEmpty());
    }

    void stallingAndDroppingRegistries()
    {
        // A registry that accepts the connection and never answers, and one that hangs up.
        QTcpServer stall, drop;
        QList<QTcpSocket *> held;
        QVERIFY(stall.listen(QHostAddress::LocalHost, 0));
        QVERIFY(drop.listen(QHostAddress::LocalHost, 0));
        connect(&stall, &QTcpServer::newConnection, this, [&]() {
            while (QTcpSocket *s = stall.nextPendingConnection())
                held.append(s);
        });
        connect(&drop, &QTcpServer::newConnection, this, [&]() {
            while (QTcpSocket *s = drop.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s]() {
                    s->write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"sch");
                    s->flush();
                    s->abort();
                    s->deleteLater();
                });
            }
        });
        QProcessEnvironment env = m_env;
        env.insert(u"FCEMU_REGISTRY_TIMEOUT"_qs, u"1"_qs);
        const Run stalled =
            fcemu({u"image"_qs, u"pull"_qs, u"127.0.0.1:%1/a/app:v1"_qs.arg(stall.serverPort()),
                   u"--insecure-registry"_qs},
                  env);
        QCOMPARE(stalled.code, 4);
        QVERIFY2(oneLine(stalled) && stalled.err.contains("stalled"), stalled.err.constData());
        const Run dropped =
            fcemu({u"image"_qs, u"pull"_qs, u"127.0.0.1:%1/a/app:v1"_qs.arg(drop.serverPort()),
                   u"--insecure-registry"_qs},
                  env);
        QVERIFY2(dropped.code == 4 || dropped.code == 3, dropped.err.constData());
        QVERIFY2(oneLine(dropped) && dropped.err.contains("a/app"), dropped.err.constData());
        QVERIFY(layouts().isEmpty());
        QVERIFY(completeBlobs().isEmpty());
        qDeleteAll(held);
    }
};

QTEST_GUILESS_MAIN(TestRegistryPull)
#include "TestRegistryPull.moc"

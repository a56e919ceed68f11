// Registry references and the credentials files (no network).
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "registry/Credentials.h"
#include "registry/Reference.h"

using namespace Fcemu::Registry;

class TestRegistryReference final : public QObject
{
    Q_OBJECT

private slots:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("registry");
        QTest::addColumn<QString>("repository");
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("digest");
        const QString d = u"sha256:"_qs + QString(64, u'a');
        QTest::addRow("host:port, repo and tag")
            << u"127.0.0.1:5000/app:v1"_qs << u"127.0.0.1:5000"_qs << u"app"_qs << u"v1"_qs
            << QString();
        QTest::addRow("no tag means latest")
            << u"registry.cn-hangzhou.aliyuncs.com/ns/app"_qs
            << u"registry.cn-hangzhou.aliyuncs.com"_qs << u"ns/app"_qs << u"latest"_qs << QString();
        QTest::addRow("pinned by digest")
            << u"localhost/a/b@"_qs + d << u"localhost"_qs << u"a/b"_qs << QString() << d;
        QTest::addRow("tag and digest")
            << u"localhost:5000/a:t@"_qs + d << u"localhost:5000"_qs << u"a"_qs << u"t"_qs << d;
    }
    void parse()
    {
        QFETCH(QString, text);
        const auto ref = Reference::parse(text);
        QVERIFY2(ref.has_value(), ref ? "" : qPrintable(ref.error().message));
        QTEST(ref->registry, "registry");
        QTEST(ref->repository, "repository");
        QTEST(ref->tag, "tag");
        QTEST(ref->digest, "digest");
        QCOMPARE(Reference::parse(ref->toString())->toString(), ref->toString());
    }

    void refused_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::addRow("upper-case repository") << u"localhost/App:v1"_qs << u"'App'"_qs;
        QTest::addRow("short digest") << u"localhost/app@sha256:abc"_qs << u"sha256 digest"_qs;
        QTest::addRow("bad tag") << u"localhost/app:-x"_qs << u"valid tag"_qs;
        QTest::addRow("no repository") << u"localhost/:v1"_qs << u"no repository"_qs;
    }
    void refused()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        const auto ref = Reference::parse(text);
        QVERIFY(!ref);
        QCOMPARE(ref.error().kind, Fcemu::ErrorKind::ImageRefused);
        QVERIFY2(ref.error().message.contains(says), qPrintable(ref.error().message));
        QVERIFY(ref.error().message.startsWith(text));
    }

    void fileOrReference()
    {
        QVERIFY(looksLikeReference(u"127.0.0.1:5000/app:v1"_qs));
        QVERIFY(looksLikeReference(u"localhost/app"_qs));
        QVERIFY(!looksLikeReference(u"image.tar"_qs));
        QVERIFY(!looksLikeReference(u"build/image.tar"_qs)); // no host: a relative path
        QVERIFY(!looksLikeReference(u"/abs/x.y/image.tar"_qs));
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath(u"a.b/c"_qs));
        QVERIFY(QDir::setCurrent(dir.path()));
        QVERIFY(!looksLikeReference(u"a.b/c"_qs)); // an existing path wins
    }

    void credentials()
    {
        QTemporaryDir home;
        QVERIFY(QDir(home.path()).mkpath(u".docker"_qs));
        QVERIFY(QDir(home.path()).mkpath(u"run/containers"_qs));
        QFile docker(home.filePath(u".docker/config.json"_qs));
        QVERIFY(docker.open(QIODevice::WriteOnly));
        // A key with a scheme and a path, as docker login writes for some registries.
        docker.write(QByteArray("{\"auths\":{\"https:") + "//reg.example:5000/v1/\":{\"auth\":\"" +
                     QByteArray("alice:s3cr:et").toBase64() + "\"}}}");
        docker.close();
        QFile podman(home.filePath(u"run/containers/auth.json"_qs));
        QVERIFY(podman.open(QIODevice::WriteOnly));
        podman.write("{\"auths\":{\"other.example\":{\"auth\":\"" +
                     QByteArray("bob:pw").toBase64() + "\"}}}");
        podman.close();
        qputenv("HOME", home.path().toUtf8());
        qunsetenv("DOCKER_CONFIG");
        qunsetenv("REGISTRY_AUTH_FILE");
        qputenv("XDG_RUNTIME_DIR", home.filePath(u"run"_qs).toUtf8());
        const auto alice = credentialsFor(u"reg.example:5000"_qs);
        QVERIFY(alice);
        QCOMPARE(alice->username, u"alice"_qs);
        QCOMPARE(alice->password, u"s3cr:et"_qs);
        QCOMPARE(alice->source, docker.fileName());
        const auto bob = credentialsFor(u"other.example"_qs);
        QVERIFY(bob);
        QCOMPARE(bob->username, u"bob"_qs);
        QVERIFY(!credentialsFor(u"reg.example"_qs)); // the port is part of the key
    }
};

QTEST_APPLESS_MAIN(TestRegistryReference)
#include "TestRegistryReference.moc"

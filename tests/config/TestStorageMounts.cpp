// nasConfig and ossMountConfig mapped to local folders (--nas-root, --oss-root): how the files
// declare them (fc3, fc, `nasConfig: auto`), the folders they map to, the ignored-property line
// without a root, and the one-line errors for a missing folder.

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "ConfigTestPrinters.h"
#include "config/ConfigFile.h"
#include "config/Options.h"
#include "config/StorageMounts.h"

using namespace Fcemu;
using namespace Fcemu::Config;

class TestStorageMounts final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_fc3, m_fc, m_auto;

    QString write(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        file.write(content);
        return path;
    }

    QString mkdir(const QString &relative)
    {
        const QString path = m_dir.filePath(relative);
        if (!QDir().mkpath(path))
            qFatal("cannot make %s", qPrintable(path));
        return QDir(path).canonicalPath();
    }

    static Result<FunctionConfig> resolve(const QList<OptionValue> &options)
    {
        return resolveFunctionConfig(options);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_fc3 = write(u"s.yaml"_qs,
                      "edition: 3.0.0\n"
                      "resources:\n"
                      "  fn:\n"
                      "    component: fc3\n"
                      "    props:\n"
                      "      functionName: fn\n"
                      "      runtime: custom-container\n"
                      "      customContainerConfig: {image: x, port: 9000}\n"
                      "      nasConfig:\n"
                      "        userId: 10003\n"
                      "        groupId: 10004\n"
                      "        mountPoints:\n"
                      "          - serverAddr: abc.cn-hangzhou.nas.aliyuncs.com:/share/sub\n"
                      "            mountDir: /mnt/nas\n"
                      "            enableTLS: true\n"
                      "          - serverAddr: abc.cn-hangzhou.nas.aliyuncs.com:/\n"
                      "            mountDir: /home/whole\n"
                      "      ossMountConfig:\n"
                      "        mountPoints:\n"
                      "          - bucketName: my-bucket\n"
                      "            bucketPath: /models\n"
                      "            endpoint: http://oss-cn-hangzhou-internal.aliyuncs.com\n"
                      "            mountDir: /mnt/oss\n"
                      "            readOnly: true\n");
        m_fc = write(u"fc.yaml"_qs, "edition: 1.0.0\n"
                                    "services:\n"
                                    "  svc:\n"
                                    "    component: devsapp/fc\n"
                                    "    props:\n"
                                    "      region: cn-hangzhou\n"
                                    "      service:\n"
                                    "        name: my-service\n"
                                    "        nasConfig: auto\n"
                                    "        ossMountConfig:\n"
                                    "          mountPoints:\n"
                                    "            - {bucketName: b, bucketPath: '', endpoint: e, "
                                    "mountDir: /mnt/b, readOnly: false}\n"
                                    "      function:\n"
                                    "        name: fn\n"
                                    "        runtime: custom-container\n"
                                    "        customContainerConfig: {image: x}\n");
    }

    void fc3FilesDeclareNasAndOss()
    {
        const auto c = loadConfigFile(m_fc3);
        QVERIFY2(c, c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->nasConfig.userId, std::optional<uint32_t>(10003));
        QCOMPARE(c->nasConfig.groupId, std::optional<uint32_t>(10004));
        QCOMPARE(c->nasConfig.mountPoints.size(), 2);
        QCOMPARE(c->nasConfig.mountPoints[0].serverAddr,
                 u"abc.cn-hangzhou.nas.aliyuncs.com:/share/sub"_qs);
        QCOMPARE(c->nasConfig.mountPoints[0].mountDir, u"/mnt/nas"_qs);
        QVERIFY(c->nasConfig.mountPoints[0].enableTLS);
        QCOMPARE(c->ossMountConfig.mountPoints.size(), 1);
        QCOMPARE(c->ossMountConfig.mountPoints[0].bucketName, u"my-bucket"_qs);
        QCOMPARE(c->ossMountConfig.mountPoints[0].bucketPath, u"/models"_qs);
        QVERIFY(c->ossMountConfig.mountPoints[0].readOnly);
        // Without roots: named as ignored, with the option that maps them.
        QCOMPARE(c->ignoredProperties,
                 (QStringList{u"resources.fn.props.nasConfig: ignored by fcemu (pass --nas-root "
                              u"DIR to map it to a local folder)"_qs,
                              u"resources.fn.props.ossMountConfig: ignored by fcemu (pass "
                              u"--oss-root DIR to map it to a local folder)"_qs}));
        QCOMPARE(storageMounts(*c)->size(), 0);
    }

    void fcServiceNasAutoIsFcsDefaults()
    {
        const auto c = loadConfigFile(m_fc);
        QVERIFY2(c, c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->nasConfig.userId, std::optional<uint32_t>(10003));
        QCOMPARE(c->nasConfig.groupId, std::optional<uint32_t>(10003));
        QCOMPARE(c->nasConfig.mountPoints.size(), 1);
        QCOMPARE(c->nasConfig.mountPoints[0].mountDir, u"/mnt/auto"_qs);
        QCOMPARE(*nasRemotePath(c->nasConfig.mountPoints[0].serverAddr), u"my-service"_qs);
        QCOMPARE(c->ossMountConfig.mountPoints.size(), 1);
        QVERIFY(hasIgnored(c->ignoredProperties, u"services.svc.props.service.nasConfig"_qs));
        QVERIFY(hasIgnored(c->ignoredProperties, u"services.svc.props.service.ossMountConfig"_qs));
    }

    void rootsMapMountPointsToFolders()
    {
        const QString nas = mkdir(u"nas"_qs), oss = mkdir(u"oss"_qs);
        const QString sub = mkdir(u"nas/share/sub"_qs);
        const QString models = mkdir(u"oss/my-bucket/models"_qs);
        const auto c =
            resolve({{u"--config"_qs, m_fc3}, {u"--nas-root"_qs, nas}, {u"--oss-root"_qs, oss}});
        QVERIFY2(c, c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->ignoredProperties, QStringList()); // both applied now
        const auto mounts = storageMounts(*c);
        QVERIFY2(mounts, mounts ? "" : qPrintable(mounts.error().message));
        QCOMPARE(mounts->size(), 3);
        const MountSpec nasSub{sub, u"/mnt/nas"_qs, false, 10003, 10004};
        const MountSpec nasWhole{nas, u"/home/whole"_qs, false, 10003, 10004};
        const MountSpec ossModels{models, u"/mnt/oss"_qs, true, {}, {}};
        QCOMPARE(mounts->at(0), nasSub);
        QCOMPARE(mounts->at(1), nasWhole);
        QCOMPARE(mounts->at(2), ossModels);
    }

    void onlyTheRootGivenIsApplied()
    {
        const QString nas = mkdir(u"nas2/share/sub"_qs);
        const auto c =
            resolve({{u"--config"_qs, m_fc3}, {u"--nas-root"_qs, m_dir.filePath(u"nas2"_qs)}});
        QVERIFY2(c, c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->ignoredProperties.size(), 1);
        QVERIFY(c->ignoredProperties[0].contains(u"ossMountConfig"_qs));
        QVERIFY(c->ignoredProperties[0].contains(u"--oss-root DIR"_qs));
    }

    void missingFolderIsOneLineNamingMountPointAndFolder()
    {
        const QString empty = mkdir(u"empty"_qs);
        const auto c = resolve({{u"--config"_qs, m_fc3}, {u"--nas-root"_qs, empty}});
        QVERIFY(!c);
        QCOMPARE(c.error().kind, ErrorKind::Usage); // exit 2
        QCOMPARE(c.error().message,
                 u"nasConfig mount point abc.cn-hangzhou.nas.aliyuncs.com:/share/sub (at "
                 u"/mnt/nas): the folder "_qs +
                     empty + u"/share/sub does not exist; create it or pass another --nas-root"_qs);
        QVERIFY(!c.error().message.contains(u'\n'));

        const auto o = resolve({{u"--config"_qs, m_fc3}, {u"--oss-root"_qs, empty}});
        QVERIFY(!o);
        QCOMPARE(o.error().kind, ErrorKind::Usage);
        QVERIFY2(o.error().message.startsWith(u"ossMountConfig mount point my-bucket/models (at "
                                              u"/mnt/oss): the folder "_qs),
                 qPrintable(o.error().message));

        const auto r = resolve({{u"--nas-root"_qs, m_dir.filePath(u"nope"_qs)}});
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(u"--nas-root"_qs) &&
                     r.error().message.contains(u"does not exist"_qs),
                 qPrintable(r.error().message));
    }

    void remotePaths_data()
    {
        QTest::addColumn<QString>("addr");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("ok");
        QTest::addRow("a sub-folder is its path under the root")
            << u"x.nas.aliyuncs.com:/share/sub"_qs << u"share/sub"_qs << true;
        QTest::addRow("the file system's root is the root itself")
            << u"x.nas.aliyuncs.com:/"_qs << u""_qs << true;
        QTest::addRow("repeated slashes are cleaned") << u"x:/a//b/"_qs << u"a/b"_qs << true;
        QTest::addRow("'..' would leave the root") << u"x:/a/../../etc"_qs << u""_qs << false;
        QTest::addRow("an address needs :/") << u"x.nas.aliyuncs.com"_qs << u""_qs << false;
    }

    void remotePaths()
    {
        QFETCH(QString, addr);
        QFETCH(QString, path);
        QFETCH(bool, ok);
        const auto remote = nasRemotePath(addr);
        QCOMPARE(bool(remote), ok);
        if (ok)
            QCOMPARE(*remote, path);
    }

    void badShapesAreErrorsNamingTheKey()
    {
        const QString file = write(u"bad.yaml"_qs, "edition: 3.0.0\n"
                                                   "resources:\n"
                                                   "  fn:\n"
                                                   "    component: fc3\n"
                                                   "    props:\n"
                                                   "      functionName: fn\n"
                                                   "      runtime: custom-container\n"
                                                   "      customContainerConfig: {image: x}\n"
                                                   "      nasConfig:\n"
                                                   "        mountPoints:\n"
                                                   "          - serverAddr: nas-without-path\n"
                                                   "            mountDir: /mnt/nas\n");
        const auto c = loadConfigFile(file);
        QVERIFY(!c);
        QVERIFY2(c.error().message.contains(u"nasConfig.mountPoints[0].serverAddr"_qs),
                 qPrintable(c.error().message));
        const QString system =
            write(u"sys.yaml"_qs, "edition: 3.0.0\n"
                                  "resources:\n"
                                  "  fn:\n"
                                  "    component: fc3\n"
                                  "    props:\n"
                                  "      functionName: fn\n"
                                  "      runtime: custom-container\n"
                                  "      customContainerConfig: {image: x}\n"
                                  "      ossMountConfig:\n"
                                  "        mountPoints:\n"
                                  "          - {bucketName: b, mountDir: /etc}\n");
        mkdir(u"oss3/b"_qs);
        const auto s =
            resolve({{u"--config"_qs, system}, {u"--oss-root"_qs, m_dir.filePath(u"oss3"_qs)}});
        QVERIFY(!s);
        QVERIFY2(s.error().message.contains(u"/etc is one of the image's system folders"_qs),
                 qPrintable(s.error().message));
    }

    void settingsRoundTripThroughJson()
    {
        auto c = loadConfigFile(m_fc3);
        QVERIFY(c);
        c->nasRoot = u"/srv/nas"_qs;
        c->ossRoot = u"/srv/oss"_qs;
        c->mounts = {MountSpec{u"/srv/data"_qs, u"/mnt/data"_qs, true, {}, {}}};
        c->debugPorts = {9229, 5678};
        c->debugArgs = u"--inspect=0.0.0.0:9229"_qs;
        const auto back = fromJson(toJson(*c));
        QVERIFY2(back, back ? "" : qPrintable(back.error().message));
        QCOMPARE(back->nasRoot, c->nasRoot);
        QCOMPARE(back->ossRoot, c->ossRoot);
        QCOMPARE(back->mounts, c->mounts);
        QCOMPARE(back->debugPorts, c->debugPorts);
        QCOMPARE(back->debugArgs, c->debugArgs);
        QCOMPARE(back->nasConfig, c->nasConfig);
        QCOMPARE(back->ossMountConfig, c->ossMountConfig);
    }

    void fcemuSettingsInTheFileSetTheRootRelativeToIt()
    {
        mkdir(u"local-nas/share/sub"_qs);
        mkdir(u"local-nas/whole"_qs);
        QFile in(m_fc3);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray text =
            in.readAll() + "vars:\n  fcemu:\n    fn:\n      nasRoot: local-nas\n";
        const auto c = loadConfigFile(write(u"with-root.yaml"_qs, text));
        QVERIFY2(c, c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->nasRoot, QDir::cleanPath(m_dir.filePath(u"local-nas"_qs)));
        QCOMPARE(c->ignoredProperties.size(), 1); // OSS still unmapped
    }

private:
    static bool hasIgnored(const QStringList &lines, const QString &path)
    {
        for (const QString &line : lines) {
            if (line.startsWith(path + u": ignored by fcemu (pass --"_qs))
                return true;
        }
        return false;
    }
};

QTEST_APPLESS_MAIN(TestStorageMounts)
#include "TestStorageMounts.moc"

// config/ConfigImages: the image each custom-container function of a config file names, for
// `fcemu serve --config FILE` (every function with its own image), on the fixtures of
// tests/config/data (fc3 and fc s.yaml, Funcraft template.yml): in the order of
// listConfigFunctions(), registry references as written, file paths against the file's folder.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "config/ConfigFile.h"
#include "config/ConfigImages.h"

using namespace Fcemu;

namespace {

QString data(const char *name)
{
    return QStringLiteral(FCEMU_CONFIG_TEST_DATA "/") + QString::fromLatin1(name);
}

} // namespace

class TestConfigImages final : public QObject
{
    Q_OBJECT

private slots:
    void eachFormat_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QStringList>("images");
        QTest::newRow("fc3") << data("fc3-s.yaml") << QStringList{u"my-func"_qs, u"queue-worker"_qs}
                             << QStringList{u"registry.cn-hangzhou.aliyuncs.com/ns/img:tag"_qs,
                                            u"registry.cn-hangzhou.aliyuncs.com/ns/worker:1"_qs};
        QTest::newRow("fc") << data("fc-s.yaml")
                            << QStringList{u"custom-container-function"_qs, u"batch-job"_qs}
                            << QStringList{
                                   u"registry.cn-shanghai.aliyuncs.com/fc-demo/express:v1"_qs,
                                   u"registry.cn-shanghai.aliyuncs.com/fc-demo/batch:v3"_qs};
        QTest::newRow("funcraft")
            << data("template.yml") << QStringList{u"nodejs-express"_qs}
            << QStringList{
                   u"registry-vpc.cn-shenzhen.aliyuncs.com/fc-demo-90/nodejs-express:v0.2"_qs};
    }

    void eachFormat()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, names);
        QFETCH(QStringList, images);
        auto listed = Config::listConfigFunctions(file);
        QVERIFY2(listed, listed ? "" : qPrintable(listed.error().message));
        auto found = Config::listConfigImages(file);
        QVERIFY2(found, found ? "" : qPrintable(found.error().message));
        QStringList gotNames, gotImages;
        for (const Config::ConfigFunctionImage &f : *found) {
            gotNames << f.functionName;
            gotImages << f.image;
        }
        QCOMPARE(gotNames, *listed); // the same functions, in the same order
        QCOMPARE(gotNames, names);
        QCOMPARE(gotImages, images);
    }

    void pathsAreTakenAgainstTheFilesFolder()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QDir(dir.path()).mkpath(u"images"_qs));
        QFile(dir.filePath(u"images/b.tar"_qs)).open(QIODevice::WriteOnly);
        const QString yaml = dir.filePath(u"s.yaml"_qs);
        QFile file(yaml);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"(edition: 3.0.0
name: paths
resources:
  a:
    component: fc3
    props: {functionName: a, runtime: custom-container, customContainerConfig: {image: ./a.tar}}
  b:
    component: fc3
    props: {functionName: b, runtime: custom-container, customContainerConfig: {image: images/b.tar}}
  c:
    component: fc3
    props: {functionName: c, runtime: custom-container, customContainerConfig: {image: /abs/c.tar}}
  d:
    component: fc3
    props: {functionName: d, runtime: custom-container, customContainerConfig: {port: 9000}}
  e:
    component: fc3
    props: {functionName: e, runtime: custom-container,
            customContainerConfig: {image: 'localhost:5000/app:v1'}}
)");
        file.close();
        auto found = Config::listConfigImages(yaml);
        QVERIFY2(found, found ? "" : qPrintable(found.error().message));
        QCOMPARE(found->size(), 5);
        QCOMPARE(found->at(0).image, QDir::cleanPath(dir.filePath(u"a.tar"_qs)));
        QCOMPARE(found->at(1).image, QDir::cleanPath(dir.filePath(u"images/b.tar"_qs)));
        QCOMPARE(found->at(2).image, u"/abs/c.tar"_qs);
        QCOMPARE(found->at(3).image, QString()); // names none: `serve` asks for IMAGE
        QCOMPARE(found->at(4).image, u"localhost:5000/app:v1"_qs); // a registry, not a path
    }
};

QTEST_GUILESS_MAIN(TestConfigImages)
#include "TestConfigImages.moc"
